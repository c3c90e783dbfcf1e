import Configs
import Kernels
import Measure

/// Verifies one candidate against the reference, then times it under a `TimingPolicy`.
///
/// Order matters: a candidate that gives a wrong answer is never timed (and so can never win); a run
/// slower than the limit relative to the best so far stops the candidate as `timeout`. A compute loop
/// cannot be pre-empted in-process, so the limit is checked after each run: a candidate costs at most
/// one over-long run (warmup) before it is abandoned.
public struct CandidateMeasurer: Sendable {
    public var policy: TimingPolicy

    public init(policy: TimingPolicy = TimingPolicy()) { self.policy = policy }

    /// Measures `proposal` on `kernel`. `bestSeconds` is the fastest median run time seen so far for this
    /// shape (nil: no limit yet). Never throws: every failure is a typed outcome.
    public func measure(_ kernel: any TunableKernel, space: SearchSpace, proposal: Proposal,
                        bestSeconds: Double?) -> CandidateResult {
        let start = MonotonicClock.nanoseconds()
        let params = proposal.params
        func elapsed() -> Double { Double(MonotonicClock.nanoseconds() &- start) * 1e-9 }
        func result(_ outcome: CandidateOutcome, message: String? = nil, samples: [Double] = [], inner: Int = 1,
                    maxError: Double? = nil) -> CandidateResult {
            var r = CandidateResult(params: params, rung: proposal.rung, outcome: outcome, samples: samples,
                                    innerRuns: inner, maxError: maxError, message: message, seconds: elapsed())
            if outcome == .ok, !samples.isEmpty {
                let g = Summary(samples).map { kernel.flops / $0 / 1e9 }
                r.gflops = TunedConfig.Measurement(median: g.median, min: g.min, max: g.max)
            }
            return r
        }

        let violations = space.violations(of: params)
        if !violations.isEmpty { return result(.invalid, message: violations.joined(separator: "; ")) }

        // 1. Correctness first.
        let verification: Verification
        do {
            verification = try kernel.verify(params)
        } catch {
            return result(Self.outcome(of: error), message: error.description)
        }
        guard verification.passed else {
            return result(.wrongAnswer, message: "max error \(verification.maxError) exceeds bound \(verification.bound)",
                          maxError: verification.maxError)
        }
        let maxError = verification.maxError

        // 2. Warmup; its time sets the inner count and catches hopeless candidates early.
        var warm = Double.infinity
        do {
            for _ in 0..<max(1, policy.warmupRuns) {
                warm = min(warm, try Self.time(kernel, params, runs: 1))
            }
        } catch {
            return result(Self.outcome(of: error), message: error.description, maxError: maxError)
        }
        // Confirmation rungs re-measure proven contenders: no time limit there, so a noise spike cannot
        // eliminate a finalist.
        let limit = proposal.rung > 0 ? nil : bestSeconds.map { $0 * policy.timeoutFactor }
        if let limit, warm > 2 * limit {
            // One retry before giving up, as for samples below.
            do { warm = min(warm, try Self.time(kernel, params, runs: 1)) } catch {
                return result(Self.outcome(of: error), message: error.description, maxError: maxError)
            }
        }
        if let limit, warm > 2 * limit {
            return result(.timeout, message: "one run took \(Self.ms(warm)), limit \(Self.ms(limit)) (\(policy.timeoutFactor)× best)",
                          samples: [warm], maxError: maxError)
        }
        let inner = max(1, min(100_000, Int((policy.minSampleSeconds / max(warm, 1e-9)).rounded(.up))))

        // 3. Repeats until the spread is small or a cap is hit.
        var samples: [Double] = []
        let cap = policy.repeatCap(rung: proposal.rung), floor = policy.repeatFloor(rung: proposal.rung)
        let timingStart = MonotonicClock.nanoseconds()
        do {
            while samples.count < cap {
                samples.append(try Self.time(kernel, params, runs: inner))
                if samples.count == 1, let limit, samples[0] > limit {
                    // One retry: a single slow sample on a shared machine may be a neighbour's burst.
                    samples.append(try Self.time(kernel, params, runs: inner))
                }
                if samples.count == 2, let limit, samples.min() ?? 0 > limit {
                    return result(.timeout, message: "a run took \(Self.ms(samples[0])), limit \(Self.ms(limit)) (\(policy.timeoutFactor)× best)",
                                  samples: samples, inner: inner, maxError: maxError)
                }
                if samples.count >= floor, Summary(samples).relativeSpread <= policy.targetSpread { break }
                // Clearly losing: enough samples to trust the median, and it is far behind the best.
                if proposal.rung == 0, samples.count >= floor, let best = bestSeconds,
                   Summary(samples).median > policy.losingFactor * best { break }
                if Double(MonotonicClock.nanoseconds() &- timingStart) * 1e-9 > policy.maxCandidateSeconds { break }
            }
        } catch {
            return result(Self.outcome(of: error), message: error.description, samples: samples, inner: inner, maxError: maxError)
        }
        return result(.ok, samples: samples, inner: inner, maxError: maxError)
    }

    /// Mean seconds per run over `runs` back-to-back runs.
    static func time(_ kernel: any TunableKernel, _ params: ParameterSet, runs: Int) throws(KernelError) -> Double {
        let t0 = MonotonicClock.nanoseconds()
        for _ in 0..<runs { try kernel.run(params) }
        return Double(MonotonicClock.nanoseconds() &- t0) * 1e-9 / Double(runs)
    }

    /// Parameter problems are `invalid`; anything else the kernel throws is `failed`.
    static func outcome(of error: KernelError) -> CandidateOutcome {
        switch error {
        case .invalidParameters, .missingParameter, .malformedParameters, .unsupported: return .invalid
        case .invalidShape, .unknownKernel: return .failed
        }
    }

    static func ms(_ s: Double) -> String {
        let v = (s * 1e5).rounded() / 100
        return "\(v) ms"
    }
}
