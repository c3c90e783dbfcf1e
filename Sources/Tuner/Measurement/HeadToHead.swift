import Kernels
import Measure

/// Parameter sets timed interleaved on the same instance, round-robin with the order rotated each round
/// (A B C, B C A, C A B, …), so a noisy-neighbour episode hits all of them alike. Used to confirm a winner
/// against the default before it is written, and to compare strategies' winners.
public enum HeadToHead {
    /// GFLOP/s summaries of `a` and `b` over `rounds` interleaved rounds; both must already be verified.
    public static func compare(_ kernel: any TunableKernel, _ a: ParameterSet, _ b: ParameterSet,
                               rounds: Int, minSampleSeconds: Double) throws(KernelError) -> (a: Summary, b: Summary) {
        let s = try compare(kernel, [a, b], rounds: rounds, minSampleSeconds: minSampleSeconds)
        return (s[0], s[1])
    }

    /// GFLOP/s summaries of each of `candidates`, in order, over `rounds` interleaved rounds.
    public static func compare(_ kernel: any TunableKernel, _ candidates: [ParameterSet],
                               rounds: Int, minSampleSeconds: Double) throws(KernelError) -> [Summary] {
        var inner: [Int] = []
        for p in candidates {
            let t = try CandidateMeasurer.time(kernel, p, runs: 1)
            inner.append(max(1, min(100_000, Int((minSampleSeconds / max(t, 1e-9)).rounded(.up)))))
        }
        var samples = [[Double]](repeating: [], count: candidates.count)
        let n = candidates.count
        for round in 0..<max(1, rounds) {
            for step in 0..<n {
                let i = (round + step) % n
                samples[i].append(try CandidateMeasurer.time(kernel, candidates[i], runs: inner[i]))
            }
        }
        let flops = kernel.flops
        return samples.map { s in Summary(s).map { flops / $0 / 1e9 } }
    }
}
