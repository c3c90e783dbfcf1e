#if canImport(Glibc)
import Glibc
#endif

/// MoE gating: softmax over one token's router logits, the k largest probabilities kept (ties to the
/// lower expert id), renormalized to sum to 1.
enum Router {
    static func topK(_ logits: UnsafePointer<Float>, experts e: Int, k: Int,
                     ids: UnsafeMutablePointer<Int32>, weights: UnsafeMutablePointer<Float>) {
        var maxLogit = -Float.infinity
        for i in 0..<e { maxLogit = max(maxLogit, logits[i]) }
        // Selection by repeated scans: k ≤ 8 and e ≤ 256 here, so this beats sorting.
        var chosen = 0
        var total: Float = 0
        for i in 0..<e { total += expf(logits[i] - maxLogit) }
        var taken: Float = 0
        while chosen < k {
            var best = -1
            for i in 0..<e {
                var used = false
                for j in 0..<chosen where ids[j] == Int32(i) { used = true; break }
                if !used && (best < 0 || logits[i] > logits[best]) { best = i }
            }
            ids[chosen] = Int32(best)
            weights[chosen] = expf(logits[best] - maxLogit) / total
            taken += weights[chosen]
            chosen += 1
        }
        for j in 0..<k { weights[j] /= taken }
    }
}
