import Kernels
import Models

/// The decoder forward pass: embedding lookup, per layer RMSNorm → fused q/k/v projection (+ bias for
/// Qwen2) → RoPE → grouped-query attention over the KV cache → output projection (added to the residual)
/// → RMSNorm → fused gate/up projection → SwiGLU → down projection (added to the residual), or routed
/// experts; then the final norm and the output projection.
///
/// Every matmul, attention and expert-gather runs in the kernel library through `KernelRunner` with the
/// plan's parameters; this type owns only the activations, the KV cache and the element-wise steps.
/// Not thread-safe: one sequence at a time.
public final class Transformer: @unchecked Sendable {
    public let weights: TransformerWeights
    public let runner: KernelRunner
    public let cache: KVCache
    /// Tokens already in the KV cache.
    public private(set) var position = 0
    /// When set, every op boundary of `forward` is marked on it (the profiler); nil costs one check per op.
    public var recorder: ForwardRecorder?

    private let config: ModelConfig
    private let attentionShape: AttentionShape
    private let ropeCos: FloatBuffer, ropeSin: FloatBuffer
    private var scratch: Scratch

    /// Activation buffers sized for `tokens` rows, grown on demand.
    private struct Scratch {
        var tokens: Int
        var x, xb, q, attn, g, u: FloatBuffer
        var router: FloatBuffer, expertIDs: UnsafeMutablePointer<Int32>, expertWeights: FloatBuffer
        /// One dequantized row of the output matrix (`rescoreTop`).
        var row: FloatBuffer
        init(tokens: Int, c: ModelConfig) {
            self.tokens = tokens
            let h = c.hiddenSize, qDim = c.numAttentionHeads * c.resolvedHeadDim
            let ffn = max(c.intermediateSize, c.sharedExpertFFN, c.expertFFN)
            x = FloatBuffer(count: tokens * h); xb = FloatBuffer(count: tokens * h)
            q = FloatBuffer(count: tokens * qDim); attn = FloatBuffer(count: tokens * qDim)
            g = FloatBuffer(count: tokens * ffn); u = FloatBuffer(count: tokens * ffn)
            router = FloatBuffer(count: tokens * max(1, c.routedExperts))
            expertIDs = .allocate(capacity: max(1, tokens * max(1, c.topK)))
            expertWeights = FloatBuffer(count: tokens * max(1, c.topK))
            row = FloatBuffer(count: h)
        }
        func free() { expertIDs.deallocate() }
    }

    /// A model over `weights` with a KV cache of `contextLength` positions.
    public init(weights: TransformerWeights, runner: KernelRunner, contextLength: Int) throws(InferenceError) {
        let c = weights.config
        guard contextLength >= 1 else { throw .invalidArgument("context length must be at least 1, got \(contextLength)") }
        self.weights = weights
        self.runner = runner
        self.config = c
        let d = c.resolvedHeadDim
        attentionShape = AttentionShape(heads: c.numAttentionHeads, kvHeads: c.numKeyValueHeads, headDim: d)
        cache = KVCache(layers: c.numHiddenLayers, capacity: contextLength, kvHeads: c.numKeyValueHeads, headDim: d)
        // cos/sin of pos·θ_i, θ_i = base^(−2i/d), in Double then rounded.
        let half = d / 2
        ropeCos = FloatBuffer(count: contextLength * half)
        ropeSin = FloatBuffer(count: contextLength * half)
        for p in 0..<contextLength {
            for i in 0..<half {
                let angle = Double(p) * pow(c.ropeTheta, -2 * Double(i) / Double(d))
                ropeCos.pointer[p * half + i] = Float(cos(angle))
                ropeSin.pointer[p * half + i] = Float(sin(angle))
            }
        }
        scratch = Scratch(tokens: 1, c: c)
    }

    deinit { scratch.free() }

    /// Forgets the sequence (the cache is overwritten by the next forward).
    public func reset() { position = 0 }

    /// Runs `tokens` (appended after the cached ones) and returns the logits of the last token
    /// ([vocab]), or of every token ([T × vocab]) with `allLogits`.
    public func forward(_ tokens: [Int32], allLogits: Bool = false) throws(InferenceError) -> [Float] {
        let T = tokens.count
        guard T > 0 else { throw .invalidArgument("forward needs at least one token") }
        guard position + T <= cache.capacity else { throw .contextFull(needed: position + T, capacity: cache.capacity) }
        for t in tokens where t < 0 || Int(t) >= config.vocabSize { throw .invalidToken(t, vocabulary: config.vocabSize) }
        if scratch.tokens < T {
            scratch.free()
            scratch = Scratch(tokens: T, c: config)
        }
        let c = config, s = scratch, h = c.hiddenSize, d = c.resolvedHeadDim
        let qDim = c.numAttentionHeads * d, kvDim = c.numKeyValueHeads * d
        let eps = Float(c.rmsNormEps), past = position, neox = c.ropeNeoX
        let x = s.x.pointer, xb = s.xb.pointer, q = s.q.pointer, attn = s.attn.pointer
        let rec = recorder

        rec?.mark(.embedding, rows: T, past: past)
        for (t, id) in tokens.enumerated() { weights.embedding.copyRow(Int(id), into: x + t * h) }

        for (l, layer) in weights.layers.enumerated() {
            rec?.mark(.attentionNorm, layer: l, rows: T, past: past)
            VectorMath.rmsNorm(x, layer.attentionNorm.pointer, xb, rows: T, n: h, eps: eps)
            let kRows = cache.keys[l].pointer + past * kvDim, vRows = cache.values[l].pointer + past * kvDim
            // q, and k, v straight into the cache rows of the new positions: one fused kernel call.
            rec?.mark(.qkvProj, layer: l, rows: T, past: past)
            try runner.linear(xb, rows: T, ldx: h, fused: [
                .init(layer.q, q, ldout: qDim), .init(layer.k, kRows, ldout: kvDim), .init(layer.v, vRows, ldout: kvDim),
            ])
            if let b = layer.qkvBias {
                rec?.mark(.qkvBias, layer: l, rows: T, past: past)
                VectorMath.addBias(q, b.q.pointer, rows: T, n: qDim, stride: qDim)
                VectorMath.addBias(kRows, b.k.pointer, rows: T, n: kvDim, stride: kvDim)
                VectorMath.addBias(vRows, b.v.pointer, rows: T, n: kvDim, stride: kvDim)
            }
            rec?.mark(.rope, layer: l, rows: T, past: past)
            VectorMath.rope(q, rows: T, heads: c.numAttentionHeads, headDim: d, rowStride: qDim, firstPosition: past,
                            cos: ropeCos.pointer, sin: ropeSin.pointer, neox: neox)
            VectorMath.rope(kRows, rows: T, heads: c.numKeyValueHeads, headDim: d, rowStride: kvDim, firstPosition: past,
                            cos: ropeCos.pointer, sin: ropeSin.pointer, neox: neox)
            rec?.mark(.attention, layer: l, rows: T, past: past)
            if T == 1 {
                try runner.attentionDecode(q: q, k: cache.keys[l].pointer, v: cache.values[l].pointer, out: attn,
                                           length: past + 1, shape: attentionShape)
            } else {
                try runner.attentionPrefill(q: q, k: cache.keys[l].pointer, v: cache.values[l].pointer, out: attn,
                                            tokens: T, past: past, shape: attentionShape)
            }
            rec?.mark(.oProj, layer: l, rows: T, past: past)
            try runner.linear(attn, rows: T, ldx: qDim, weight: layer.o, out: x, ldout: h, accumulate: true)

            rec?.mark(.ffnNorm, layer: l, rows: T, past: past)
            VectorMath.rmsNorm(x, layer.ffnNorm.pointer, xb, rows: T, n: h, eps: eps)
            switch layer.ffn {
            case let .dense(gate, up, down):
                try swiGLU(xb, rows: T, gate: gate, up: up, down: down, out: x, layer: l)
            case .moe(let m):
                try moe(xb, rows: T, m, out: x, layer: l)
            }
        }
        position += T

        // Final norm and output projection, for the last row only unless every row is asked for.
        let rows = allLogits ? T : 1
        let first = allLogits ? 0 : T - 1
        rec?.mark(.outputNorm, rows: rows, past: past)
        VectorMath.rmsNorm(x + first * h, weights.outputNorm.pointer, xb, rows: rows, n: h, eps: eps)
        var logits = [Float](repeating: 0, count: rows * c.vocabSize)
        rec?.mark(.lmHead, rows: rows, past: past)
        try logits.withUnsafeMutableBufferPointer { (buf) throws(InferenceError) in
            guard let logitsOut = buf.baseAddress else { return }
            try runner.linear(xb, rows: rows, ldx: h, weight: weights.output, out: logitsOut, ldout: c.vocabSize)
            if case .quantized(let w) = weights.output, runner.plan.activations != .fp32 {
                for r in 0..<rows {
                    Self.rescoreTop(logitsOut + r * c.vocabSize, x: xb + r * h, weights: w, scratch: scratch.row.pointer)
                }
            }
        }
        rec?.mark(.end, rows: rows, past: past)
        return logits
    }

    /// The logits that decide the next token, recomputed exactly: with int8 activations (per 32 values,
    /// the decode path's `act` = 0) every logit is off by up to ~1% of the logits' range on SmolLM2, which
    /// is enough to swap the top two and flip a greedy answer; so the `rescoredLogits` largest are
    /// recomputed from the FP32 hidden state and the dequantized rows (a dot product of K values each,
    /// ~0.02 ms per token), and only the tail keeps the int8 rounding. The full-precision alternative
    /// (`act` = 1 on the output matrix) reads the same bytes about three times slower.
    public static let rescoredLogits = 32

    static func rescoreTop(_ logits: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, weights w: QuantizedMatrix,
                           scratch row: UnsafeMutablePointer<Float>) {
        let n = w.rows, k = w.cols, count = min(rescoredLogits, n)
        guard count > 0 else { return }
        // The `count` largest, by insertion into a small descending list (one scan, few inserts); on the
        // stack, since this runs once per generated token.
        withUnsafeTemporaryAllocation(of: Int.self, capacity: count) { topBuffer in
            guard let top = topBuffer.baseAddress else { return }
            var filled = 0
            for v in 0..<n {
                let value = logits[v]
                if filled == count && value <= logits[top[count - 1]] { continue }
                var i = filled < count ? filled : count - 1
                while i > 0 && logits[top[i - 1]] < value { top[i] = top[i - 1]; i -= 1 }
                top[i] = v
                if filled < count { filled += 1 }
            }
            for j in 0..<filled {
                let v = top[j]
                w.dequantizeRow(v, into: row)
                var acc = SIMD16<Float>()
                var t = 0
                while t + 16 <= k {
                    acc = acc.addingProduct(UnsafeRawPointer(x + t).loadUnaligned(as: SIMD16<Float>.self),
                                            UnsafeRawPointer(row + t).loadUnaligned(as: SIMD16<Float>.self))
                    t += 16
                }
                var sum = acc.sum()
                while t < k { sum += x[t] * row[t]; t += 1 }
                logits[v] = sum
            }
        }
    }

    /// out += down(silu(gate·x) ⊙ up·x).
    private func swiGLU(_ xb: UnsafePointer<Float>, rows T: Int, gate: WeightMatrix, up: WeightMatrix, down: WeightMatrix,
                        out: UnsafeMutablePointer<Float>, layer l: Int) throws(InferenceError) {
        let h = config.hiddenSize, f = gate.rows
        let g = scratch.g.pointer, u = scratch.u.pointer
        let rec = recorder, past = position
        rec?.mark(.gateUpProj, layer: l, rows: T, past: past)
        try runner.linear(xb, rows: T, ldx: h, fused: [.init(gate, g, ldout: f), .init(up, u, ldout: f)])
        rec?.mark(.swiGLU, layer: l, rows: T, past: past)
        VectorMath.swiGLU(g, u, count: T * f)
        rec?.mark(.downProj, layer: l, rows: T, past: past)
        try runner.linear(g, rows: T, ldx: f, weight: down, out: out, ldout: h, accumulate: true)
    }

    /// out += shared(x) + Σ_top-k w_e · expert_e(x). Gating: softmax over the router logits, the top-k
    /// experts kept and their weights renormalized to sum to 1 (DeepSeek-V2/Mixtral style; DeepSeek-V3's
    /// sigmoid scoring is not implemented).
    private func moe(_ xb: UnsafePointer<Float>, rows T: Int, _ m: MoEWeights, out: UnsafeMutablePointer<Float>,
                     layer l: Int) throws(InferenceError) {
        let h = config.hiddenSize, e = m.experts, k = m.topK
        let logits = scratch.router.pointer, ids = scratch.expertIDs, w = scratch.expertWeights.pointer
        recorder?.mark(.router, layer: l, rows: T, past: position)
        try runner.linear(xb, rows: T, ldx: h, weight: m.router, out: logits, ldout: e)
        for t in 0..<T {
            Router.topK(logits + t * e, experts: e, k: k, ids: ids + t * k, weights: w + t * k)
        }
        recorder?.mark(.expertGather, layer: l, rows: T, past: position)
        try runner.expertGather(x: xb, ids: ids, weights: w, gate: m.gate.pointer, up: m.up.pointer, down: m.down.pointer,
                                out: out, shape: MoEShape(tokens: T, hidden: h, ffn: m.ffn, experts: e, topK: k))
        if let shared = m.shared {
            try swiGLU(xb, rows: T, gate: shared.gate, up: shared.up, down: shared.down, out: out, layer: l)
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
