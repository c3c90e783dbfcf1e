/// How a candidate is timed: warmup, then repeats until the spread is small or a cap is hit, each sample
/// long enough to time reliably, with a per-candidate time limit relative to the best so far.
///
/// Practice from the anchors: Kernel Tuner times 7 iterations by default; TVM raises the inner count
/// until a repeat lasts a minimum time; Triton reports the median with p20/p80; OpenTuner stops a
/// candidate at a multiple of the best time so far.
public struct TimingPolicy: Sendable, Equatable, Codable {
    /// Untimed runs before timing (caches, page faults, thread wake-up). Verification already ran once.
    public var warmupRuns: Int = 1
    /// Each sample averages enough back-to-back runs to last at least this long (timer resolution,
    /// thread wake-up latency).
    public var minSampleSeconds: Double = 0.001
    /// Samples always taken at rung 0.
    public var minRepeats: Int = 3
    /// Sample cap at rung 0; each rung doubles it (successive halving confirms with more repeats).
    public var maxRepeats: Int = 7
    /// Absolute cap whatever the rung.
    public var repeatCeiling: Int = 40
    /// Stop repeating once (p80 − p20) / median is below this.
    public var targetSpread: Double = 0.03
    /// A candidate whose first timed run is slower than `timeoutFactor` × the best run time so far is
    /// abandoned as `timeout` (OpenTuner uses 2× the best, at most 10×; 4 leaves room for noise).
    public var timeoutFactor: Double = 4
    /// Hard cap on the time spent timing one candidate (excluding verification).
    public var maxCandidateSeconds: Double = 2
    /// Rounds of the interleaved winner-vs-default comparison.
    public var headToHeadRounds: Int = 9
    /// A rung-0 candidate whose median after `minRepeats` samples is above `losingFactor` × the best
    /// median so far stops repeating: it cannot win, and a tighter spread would not change that (it is
    /// recorded `ok` with the samples it has, so the strategy still learns from it).
    public var losingFactor: Double = 1.5

    public init() {}

    /// Sample cap at `rung`.
    public func repeatCap(rung: Int) -> Int {
        min(repeatCeiling, maxRepeats << min(max(rung, 0), 8))
    }

    /// Sample floor at `rung` (more careful rungs also demand more samples).
    public func repeatFloor(rung: Int) -> Int {
        min(repeatCap(rung: rung), minRepeats << min(max(rung, 0), 8))
    }
}
