import Configs
import Kernels
import Measure

/// Everything measured about one candidate at one rung: the journal stores exactly this, so per-candidate
/// timings, spread and failures are kept, not just the winner.
public struct CandidateResult: Codable, Sendable, Equatable {
    public var params: ParameterSet
    public var rung: Int
    public var outcome: CandidateOutcome
    /// Seconds per kernel run, one per timed sample (each sample averages `innerRuns` back-to-back runs).
    public var samples: [Double]
    public var innerRuns: Int
    /// GFLOP/s of the samples (median, min, max); nil unless `outcome == .ok`.
    public var gflops: TunedConfig.Measurement?
    /// Verification error against the reference, when verification ran.
    public var maxError: Double?
    /// Why the candidate is not ok (the kernel's error, the violated constraints, the time limit).
    public var message: String?
    /// Calibration-kernel throughput relative to its reference when this was measured (1 = undisturbed).
    public var calibration: Double?
    /// True when the machine was still disturbed after the noise pause; the figure is less trustworthy.
    public var noisy: Bool
    /// Wall seconds spent on this candidate (verification + timing), for time budgets across resumes.
    public var seconds: Double

    public init(params: ParameterSet, rung: Int, outcome: CandidateOutcome, samples: [Double] = [],
                innerRuns: Int = 1, gflops: TunedConfig.Measurement? = nil, maxError: Double? = nil,
                message: String? = nil, calibration: Double? = nil, noisy: Bool = false, seconds: Double = 0) {
        self.params = params; self.rung = rung; self.outcome = outcome; self.samples = samples
        self.innerRuns = innerRuns; self.gflops = gflops; self.maxError = maxError; self.message = message
        self.calibration = calibration; self.noisy = noisy; self.seconds = seconds
    }

    /// The proposal this result answers.
    public var proposal: Proposal { Proposal(params, rung: rung) }

    public var observation: Observation { Observation(outcome: outcome, gflops: gflops?.median) }

    /// Median seconds per run, when timed.
    public var medianSeconds: Double? { samples.isEmpty ? nil : Summary(samples).median }
}
