import Kernels
import Measure

/// Two parameter sets timed interleaved on the same instance (A B, B A, A B, …), so a noisy-neighbour
/// episode hits both alike. Used to confirm a winner against the default before it is written.
public enum HeadToHead {
    /// GFLOP/s summaries of `a` and `b` over `rounds` interleaved rounds; both must already be verified.
    public static func compare(_ kernel: any TunableKernel, _ a: ParameterSet, _ b: ParameterSet,
                               rounds: Int, minSampleSeconds: Double) throws(KernelError) -> (a: Summary, b: Summary) {
        func innerRuns(_ p: ParameterSet) throws(KernelError) -> Int {
            let t = try CandidateMeasurer.time(kernel, p, runs: 1)
            return max(1, min(100_000, Int((minSampleSeconds / max(t, 1e-9)).rounded(.up))))
        }
        let ia = try innerRuns(a), ib = try innerRuns(b)
        var sa: [Double] = [], sb: [Double] = []
        for round in 0..<max(1, rounds) {
            if round % 2 == 0 {
                sa.append(try CandidateMeasurer.time(kernel, a, runs: ia))
                sb.append(try CandidateMeasurer.time(kernel, b, runs: ib))
            } else {
                sb.append(try CandidateMeasurer.time(kernel, b, runs: ib))
                sa.append(try CandidateMeasurer.time(kernel, a, runs: ia))
            }
        }
        let flops = kernel.flops
        return (Summary(sa).map { flops / $0 / 1e9 }, Summary(sb).map { flops / $0 / 1e9 })
    }
}
