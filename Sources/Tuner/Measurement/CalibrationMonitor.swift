import Foundation
import Kernels
import Measure

/// Watches for noisy neighbours by re-timing a fixed calibration kernel between candidates.
///
/// This VM has episodes of minutes where a neighbour halves 2-thread throughput (seen on this
/// project's shared 2-vCPU machines); ATLAS refuses to tune while the clock is throttled because "all timings become
/// random". When the calibration kernel falls below `dropThreshold` × the best it has shown, the monitor
/// pauses and re-measures until it recovers or the pause budget is spent, and reports what it did.
public final class CalibrationMonitor {
    public struct Policy: Sendable, Equatable {
        /// Below this fraction of the reference throughput the machine counts as disturbed.
        public var dropThreshold: Double = 0.8
        /// Sleep between re-checks while disturbed.
        public var pauseSeconds: Double = 2
        /// Longest single wait for recovery.
        public var maxPauseSeconds: Double = 10
        /// Total waiting allowed in one session; afterwards disturbed measurements are only marked noisy.
        public var maxTotalPauseSeconds: Double = 30
        public init() {}
    }

    public let policy: Policy
    private let kernel: any TunableKernel
    private let params: ParameterSet
    private let inner: Int
    /// The best calibration throughput seen (GFLOP/s): the undisturbed machine.
    public private(set) var reference: Double = 0
    public private(set) var pausedSeconds: Double = 0
    /// Checks made, and how many found the machine disturbed.
    public private(set) var checks = 0
    public private(set) var episodes = 0
    private var budgetSpentReported = false

    /// `kernel` with `params` is the fixed calibration workload (verified once here).
    public init(kernel: any TunableKernel, params: ParameterSet, policy: Policy = Policy()) throws(KernelError) {
        self.kernel = kernel
        self.params = params
        self.policy = policy
        let v = try kernel.verify(params)
        guard v.passed else {
            throw .invalidParameters(kernel: type(of: kernel).family.rawValue, params: params.description,
                                     violations: ["calibration kernel fails verification (error \(v.maxError))"])
        }
        let t = try CandidateMeasurer.time(kernel, params, runs: 3)
        inner = max(1, min(100_000, Int((0.0005 / max(t, 1e-9)).rounded(.up))))
        for _ in 0..<3 { reference = max(reference, try sample()) }
    }

    /// Current calibration throughput in GFLOP/s (best of three short samples).
    public func sample() throws(KernelError) -> Double {
        var best = Double.infinity
        for _ in 0..<3 { best = min(best, try CandidateMeasurer.time(kernel, params, runs: inner)) }
        return kernel.flops / best / 1e9
    }

    /// Re-times the calibration kernel; when disturbed, pauses (within the policy's budget) until it
    /// recovers. `note` receives one line per event, for the user.
    public func check(note: (String) -> Void) -> Check {
        checks += 1
        guard var now = try? sample() else { return Check(ratio: 1, paused: false, disturbed: false) }
        if now > reference { reference = now }
        var ratio = now / reference
        guard ratio < policy.dropThreshold else { return Check(ratio: ratio, paused: false, disturbed: false) }
        episodes += 1
        let budget = min(policy.maxPauseSeconds, policy.maxTotalPauseSeconds - pausedSeconds)
        guard budget > 0 else {
            if !budgetSpentReported {
                budgetSpentReported = true
                note("noise: calibration kernel at \(Self.pct(ratio)) of its best and the \(Int(policy.maxTotalPauseSeconds)) s pause budget is spent; from now on disturbed measurements are only marked noisy")
            }
            return Check(ratio: ratio, paused: false, disturbed: true)
        }
        note("noise: calibration kernel at \(Self.pct(ratio)) of its best (\(Self.f(now)) vs \(Self.f(reference)) GFLOP/s); pausing")
        var waited = 0.0
        while waited < budget {
            let step = min(policy.pauseSeconds, budget - waited)
            Thread.sleep(forTimeInterval: step)
            waited += step
            now = (try? sample()) ?? now
            if now > reference { reference = now }
            ratio = now / reference
            if ratio >= policy.dropThreshold { break }
        }
        pausedSeconds += waited
        let disturbed = ratio < policy.dropThreshold
        note(disturbed
             ? "noise: still at \(Self.pct(ratio)) after \(Self.f(waited)) s; continuing, measurements marked noisy"
             : "noise: recovered to \(Self.pct(ratio)) after \(Self.f(waited)) s; re-measuring")
        return Check(ratio: ratio, paused: true, disturbed: disturbed)
    }

    /// The outcome of one `check`.
    public struct Check: Sendable, Equatable {
        /// Calibration throughput relative to the reference after any pause.
        public var ratio: Double
        /// The monitor paused: whatever was measured just before was disturbed and should be redone.
        public var paused: Bool
        /// Still disturbed (pause budget spent or no recovery): measurements now are marked noisy.
        public var disturbed: Bool
    }

    static func pct(_ r: Double) -> String { "\(Int((r * 100).rounded()))%" }
    static func f(_ x: Double) -> String { "\((x * 10).rounded() / 10)" }
}
