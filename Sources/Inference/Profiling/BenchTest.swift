import Kernels
import Measure
import Models

/// One llama-bench test: process an `nPrompt`-token prompt, generate `nGen` tokens, or both (`-pg`).
public struct BenchTest: Sendable, Hashable {
    public var nPrompt: Int
    public var nGen: Int
    public init(nPrompt: Int, nGen: Int) { self.nPrompt = nPrompt; self.nGen = nGen }

    /// llama-bench's test name: "pp512", "tg128", "pp512+tg128".
    public var name: String {
        switch (nPrompt, nGen) {
        case (let p, 0): return "pp\(p)"
        case (0, let g): return "tg\(g)"
        case let (p, g): return "pp\(p)+tg\(g)"
        }
    }

    /// Tokens a run processes (the numerator of tokens/s).
    public var tokens: Int { nPrompt + nGen }
}

/// Runs llama-bench tests on one transformer with a recorder attached: the KV cache is cleared before
/// each run; the prompt is a BOS token (if the model adds one) followed by seeded random tokens; generation
/// feeds one token at a time starting from BOS (llama-bench's `test_gen`), each next token the argmax of
/// the logits — that sampling step is timed and shown as its own op ("sampling"); tokenization is not
/// part of any run.
public final class BenchRunner {
    public let transformer: Transformer
    public let recorder: ForwardRecorder
    let bos: Int32?
    let vocab: Int

    public init(transformer: Transformer, bos: Int32?, reserve: Int = 1 << 16) {
        self.transformer = transformer
        self.bos = bos
        vocab = transformer.weights.config.vocabSize
        recorder = ForwardRecorder(reserve: reserve)
        transformer.recorder = recorder
    }

    /// The prompt of `n` tokens for `seed`.
    public func prompt(_ n: Int, seed: UInt64) -> [Int32] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { i in
            if i == 0, let bos { return bos }
            return Int32(truncatingIfNeeded: Int(rng.next() % UInt64(max(1, vocab))))
        }
    }

    /// Runs `test` once (events of this run only are left in `recorder`); returns its wall time in ns.
    public func run(_ test: BenchTest, seed: UInt64) throws(InferenceError) -> UInt64 {
        guard test.tokens <= transformer.cache.capacity else {
            throw .contextFull(needed: test.tokens, capacity: transformer.cache.capacity)
        }
        let tokens = test.nPrompt > 0 ? prompt(test.nPrompt, seed: seed) : []
        transformer.reset()
        recorder.clear()
        let t0 = MonotonicClock.nanoseconds()
        var logits: [Float] = []
        if !tokens.isEmpty { logits = try transformer.forward(tokens) }
        var next: Int32 = bos ?? 0
        for i in 0..<test.nGen {
            if i > 0 || !logits.isEmpty {
                recorder.mark(.sampling, rows: 1, past: transformer.position)
                next = logits.withUnsafeBufferPointer { Sampler.argmax($0) }
                recorder.mark(.end, rows: 1, past: transformer.position)
            }
            logits = try transformer.forward([next])
        }
        return MonotonicClock.nanoseconds() &- t0
    }
}
