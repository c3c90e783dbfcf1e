import Foundation
import Testing
import Inference
import Kernels
import Models

/// The forward pass on weights kept quantized against the same forward pass on the same weights
/// dequantized to FP32 (the path the NumPy reference checks): with FP32 activations on the prefill
/// path they must agree to FP32 rounding; decode-path rows (int8 activations) within the activation
/// quantization error.
@Suite("Quantized weights against their FP32 dequantization", .serialized, .enabled(if: TestSupport.modelExists))
struct QuantizedVsDequantizedTests {
    static func dequantized(_ w: WeightMatrix) -> WeightMatrix {
        guard case .quantized(let q) = w else { return w }
        let b = FloatBuffer(count: q.rows * q.cols)
        for r in 0..<q.rows { q.dequantizeRow(r, into: b.pointer + r * q.cols) }
        return .f32(b, rows: q.rows, cols: q.cols)
    }

    /// `weights` with the matrices `which` selects dequantized.
    static func converting(_ weights: TransformerWeights, _ which: (String) -> Bool) -> TransformerWeights {
        var w = weights
        if which("embedding") { w.embedding = dequantized(w.embedding) }
        if which("output") { w.output = dequantized(w.output) }
        for i in w.layers.indices {
            var l = w.layers[i]
            if which("q") { l.q = dequantized(l.q) }
            if which("k") { l.k = dequantized(l.k) }
            if which("v") { l.v = dequantized(l.v) }
            if which("o") { l.o = dequantized(l.o) }
            if case let .dense(g, u, d) = l.ffn {
                l.ffn = .dense(gate: which("gate") ? dequantized(g) : g, up: which("up") ? dequantized(u) : u,
                               down: which("down") ? dequantized(d) : d)
            }
            w.layers[i] = l
        }
        return w
    }

    @Test("SmolLM2: a 37-token prefill on quantized weights agrees with the dequantized model")
    func prefillAgrees() throws {
        let e = try #require(TestSupport.engine)
        let tokens = e.promptTokens("What is the capital of France?", chat: true)
        let base = e.transformer.weights
        let all = try Transformer(weights: Self.converting(base) { _ in true }, runner: e.transformer.runner, contextLength: 64)
        let reference = try all.forward(tokens)
        // One comparison per kind of matrix would localize a fault; everything quantized at once is the check.
        for kinds in [["embedding", "output", "q", "k", "v", "o", "gate", "up", "down"]] {
            // Everything dequantized except `kinds`.
            let t = try Transformer(weights: Self.converting(base) { !kinds.contains($0) }, runner: e.transformer.runner, contextLength: 64)
            let logits = try t.forward(tokens)
            var worst: Float = 0, scale: Float = 0
            for i in logits.indices { worst = max(worst, abs(logits[i] - reference[i])); scale = max(scale, abs(reference[i])) }
            let am = logits.indices.max { logits[$0] < logits[$1] } ?? -1, rm = reference.indices.max { reference[$0] < reference[$1] } ?? -1
            print("quantized \(kinds): max |Δ| \(worst) of \(scale), argmax \(am) vs \(rm)")
            // The layers run the prefill path (FP32 activations); the output matrix's row runs the decode
            // path with int8 activations, whose 32 largest logits are rescored exactly (`rescoreTop`).
            #expect(am == rm)
            let top = reference.indices.sorted { reference[$0] > reference[$1] }.prefix(Transformer.rescoredLogits / 2)
            let topWorst = top.map { abs(logits[$0] - reference[$0]) }.max() ?? 0
            #expect(topWorst <= 1e-3 * scale, "quantized \(kinds): top logits off by \(topWorst) of \(scale)")
            #expect(worst <= 0.03 * scale, "quantized \(kinds): max |Δ| \(worst) of \(scale)")
        }
    }
}
