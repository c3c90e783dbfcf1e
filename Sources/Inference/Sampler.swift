import Kernels
#if canImport(Glibc)
import Glibc
#endif

/// How the next token is chosen from the logits.
public struct SamplingOptions: Sendable, Equatable {
    /// 0 means greedy (argmax); otherwise logits are divided by it before the softmax.
    public var temperature: Float
    /// Keep only the k most likely tokens (0: no limit).
    public var topK: Int
    /// Keep the smallest set of most likely tokens whose probability reaches p (1: no limit).
    public var topP: Float
    public var seed: UInt64

    public init(temperature: Float = 0.8, topK: Int = 40, topP: Float = 0.95, seed: UInt64 = 0) {
        self.temperature = temperature; self.topK = topK; self.topP = topP; self.seed = seed
    }

    public static let greedy = SamplingOptions(temperature: 0, topK: 0, topP: 1)

    /// Errors naming the bad option, or nil.
    public var problem: String? {
        if !(temperature >= 0) || !temperature.isFinite { return "temperature must be ≥ 0, got \(temperature)" }
        if topK < 0 { return "top-k must be ≥ 0 (0 = off), got \(topK)" }
        if !(topP > 0 && topP <= 1) { return "top-p must be in (0, 1], got \(topP)" }
        return nil
    }
}

/// Greedy, or temperature → top-k → top-p → a draw from a seeded generator (llama.cpp's order).
/// Deterministic for a given seed.
public struct Sampler: Sendable {
    public let options: SamplingOptions
    private var rng: SplitMix64

    public init(_ options: SamplingOptions) {
        self.options = options
        rng = SplitMix64(seed: options.seed)
    }

    /// The index of the largest logit (lowest index on ties).
    public static func argmax(_ logits: UnsafeBufferPointer<Float>) -> Int32 {
        var best = 0
        for i in 1..<logits.count where logits[i] > logits[best] { best = i }
        return Int32(best)
    }

    public mutating func sample(_ logits: [Float]) -> Int32 {
        logits.withUnsafeBufferPointer { sample($0) }
    }

    public mutating func sample(_ logits: UnsafeBufferPointer<Float>) -> Int32 {
        if options.temperature == 0 || options.topK == 1 { return Self.argmax(logits) }
        // Candidates sorted by logit, cut to top-k (a partial selection would be faster; vocab 49k sorts in ~2 ms
        // only when top-k is off).
        var idx = Array(0..<logits.count)
        let k = options.topK > 0 ? min(options.topK, logits.count) : logits.count
        if k < logits.count {
            // Partial: keep a min-ordered buffer of the k best.
            var top: [Int] = []
            top.reserveCapacity(k + 1)
            for i in 0..<logits.count {
                if top.count < k || logits[i] > logits[top[top.count - 1]] {
                    var j = top.count
                    top.append(i)
                    while j > 0 && logits[top[j - 1]] < logits[i] { top[j] = top[j - 1]; j -= 1 }
                    top[j] = i
                    if top.count > k { top.removeLast() }
                }
            }
            idx = top
        } else {
            idx.sort { logits[$0] > logits[$1] }
        }
        let invT = 1 / options.temperature
        let maxL = logits[idx[0]]
        var probs = idx.map { expf((logits[$0] - maxL) * invT) }
        let total = probs.reduce(0, +)
        for i in probs.indices { probs[i] /= total }
        // Top-p: smallest prefix reaching p.
        var keep = probs.count
        if options.topP < 1 {
            var acc: Float = 0
            for i in probs.indices {
                acc += probs[i]
                if acc >= options.topP { keep = i + 1; break }
            }
        }
        let mass = probs[0..<keep].reduce(0, +)
        let u = Float(Double(rng.next() >> 11) * 0x1p-53) * mass
        var acc: Float = 0
        for i in 0..<keep {
            acc += probs[i]
            if u < acc { return Int32(idx[i]) }
        }
        return Int32(idx[keep - 1])
    }
}
