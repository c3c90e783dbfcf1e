import Configs
import Kernels

/// The default strategy against exhaustive search on one target: each runs its own sweep, then the two
/// winners are timed head to head, interleaved (so the exhaustive winner's lucky screening sample does
/// not count — the winner's curse), giving how close the default strategy lands and at what fraction of
/// the space.
public struct StrategyComparison: Codable, Sendable, Equatable {
    public var target: TuneTarget
    public var spaceSize: Int
    public var strategy: String
    /// Exhaustive sweep: its winner and measurements.
    public var exhaustivePick: ParameterSet?
    public var exhaustiveEvaluations: Int
    public var exhaustiveSeconds: Double
    /// The compared strategy: its winner, distinct points measured, and all measurements.
    public var strategyPick: ParameterSet?
    public var strategyPoints: Int
    public var strategyEvaluations: Int
    public var strategySeconds: Double
    /// Head-to-head GFLOP/s of both winners.
    public var exhaustiveGflops: TunedConfig.Measurement?
    public var strategyGflops: TunedConfig.Measurement?

    /// strategy winner / exhaustive winner, head to head (1 = as good).
    public var ratio: Double? {
        guard let s = strategyGflops?.median, let e = exhaustiveGflops?.median, e > 0 else { return nil }
        return s / e
    }

    /// Distinct points the strategy measured as a fraction of the valid space.
    public var fractionOfSpace: Double { spaceSize > 0 ? Double(strategyPoints) / Double(spaceSize) : 0 }

    /// Runs both sweeps on `target` (no journal) and the head-to-head of their winners.
    public static func run(_ target: TuneTarget, strategy: String, options: StrategyOptions, policy: TimingPolicy,
                           machine: MachineContext, calibration: CalibrationMonitor?,
                           observers: [any TuneObserver] = [],
                           makeKernel: @escaping TuningSession.KernelFactory) throws -> StrategyComparison {
        func sweep(_ name: String, _ opts: StrategyOptions) throws -> ShapeResult {
            var settings = TuneSettings()
            settings.use(name, options: opts)
            settings.policy = policy
            let session = TuningSession(targets: [target], settings: settings, machine: machine,
                                        calibration: calibration, makeKernel: makeKernel)
            for o in observers { session.add(o) }
            guard let r = try session.run().first else { throw TunerError.kernel("\(target): nothing was tuned") }
            return r
        }
        let full = try sweep(ExhaustiveSearch.name, StrategyOptions.defaults(ExhaustiveSearch.name))
        let guided = try sweep(strategy, options)
        var out = StrategyComparison(target: target, spaceSize: full.spaceSize, strategy: strategy,
                                     exhaustivePick: full.strategyPick, exhaustiveEvaluations: full.evaluations,
                                     exhaustiveSeconds: full.seconds, strategyPick: guided.strategyPick,
                                     strategyPoints: guided.pointsMeasured, strategyEvaluations: guided.evaluations,
                                     strategySeconds: guided.seconds)
        if let e = full.strategyPick, let s = guided.strategyPick {
            let kernel = try makeKernel(target)
            _ = calibration?.check { m in for o in observers { o.note(m) } }
            let h = try HeadToHead.compare(kernel, e, s, rounds: max(policy.headToHeadRounds, 15),
                                           minSampleSeconds: policy.minSampleSeconds)
            out.exhaustiveGflops = TuningSession.measurement(h.a)
            out.strategyGflops = TuningSession.measurement(h.b)
        }
        return out
    }
}
