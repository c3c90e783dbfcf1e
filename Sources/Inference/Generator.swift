import Measure
import Models

/// Figures of one generation: prompt processing (prefill) and token generation (decode) rates.
public struct GenerationStats: Sendable {
    public var promptTokens = 0
    public var generatedTokens = 0
    public var prefillSeconds = 0.0
    /// Time in single-token forwards (every generated token after the first, which prefill produces).
    public var decodeSeconds = 0.0
    public var decodeSteps = 0
    public var kernels = KernelStats()
    /// Why generation stopped: "eos" or "max-tokens".
    public var stopReason = ""

    public var prefillTokensPerSecond: Double { prefillSeconds > 0 ? Double(promptTokens) / prefillSeconds : 0 }
    public var decodeTokensPerSecond: Double { decodeSeconds > 0 ? Double(decodeSteps) / decodeSeconds : 0 }
}

/// The generation loop: prefill the prompt, then sample and feed back one token at a time, streaming each
/// token's text as soon as it forms complete UTF-8, until an end-of-sequence token or the token limit.
public final class Generator {
    public let transformer: Transformer
    public let tokenizer: Tokenizer

    public init(transformer: Transformer, tokenizer: Tokenizer) {
        self.transformer = transformer
        self.tokenizer = tokenizer
    }

    /// Generates up to `maxTokens` after `prompt` (a fresh sequence). `stopTokens` end generation (not
    /// emitted); by default the tokenizer's end-of-sequence token. `onText` receives streamed text.
    public func generate(prompt: [Int32], maxTokens: Int, sampling: SamplingOptions, stopTokens: Set<Int32>? = nil,
                         onText: (String) -> Void = { _ in }) throws(InferenceError) -> (tokens: [Int32], stats: GenerationStats) {
        guard !prompt.isEmpty else { throw .invalidArgument("the prompt has no tokens") }
        guard maxTokens >= 0 else { throw .invalidArgument("max tokens must be ≥ 0, got \(maxTokens)") }
        if let p = sampling.problem { throw .invalidArgument(p) }
        let stops = stopTokens ?? [tokenizer.eos]
        var stats = GenerationStats()
        stats.promptTokens = prompt.count
        transformer.reset()
        transformer.runner.resetStats()
        var sampler = Sampler(sampling)
        var decoder = UTF8StreamDecoder()
        var out: [Int32] = []

        let t0 = MonotonicClock.nanoseconds()
        var logits = try transformer.forward(prompt)
        stats.prefillSeconds = Double(MonotonicClock.nanoseconds() &- t0) * 1e-9
        stats.stopReason = "max-tokens"
        while out.count < maxTokens {
            let next = sampler.sample(logits)
            if stops.contains(next) { stats.stopReason = "eos"; break }
            out.append(next)
            let text = decoder.push(tokenizer.decodeBytes([next]))
            if !text.isEmpty { onText(text) }
            if out.count == maxTokens { break }
            guard transformer.position < transformer.cache.capacity else { stats.stopReason = "context-full"; break }
            let t1 = MonotonicClock.nanoseconds()
            logits = try transformer.forward([next])
            stats.decodeSeconds += Double(MonotonicClock.nanoseconds() &- t1) * 1e-9
            stats.decodeSteps += 1
        }
        let rest = decoder.flush()
        if !rest.isEmpty { onText(rest) }
        stats.generatedTokens = out.count
        stats.kernels = transformer.runner.stats
        return (out, stats)
    }
}
