import Configs
import Kernels

/// The outcome of tuning one target: the pick, the default it was measured against head to head, and
/// how the search went.
public struct ShapeResult: Codable, Sendable, Equatable {
    public var target: TuneTarget
    /// Valid points in the space.
    public var spaceSize: Int
    /// The analytical default and its head-to-head GFLOP/s.
    public var defaultParams: ParameterSet
    public var defaultGflops: TunedConfig.Measurement?
    /// The parameters to emit (the strategy's pick, or the default when the pick did not beat it).
    public var chosenParams: ParameterSet
    public var chosenGflops: TunedConfig.Measurement?
    /// The strategy's own pick before the head-to-head check.
    public var strategyPick: ParameterSet?
    /// True when the head-to-head showed the pick slower than the default, so the default is emitted.
    public var keptDefault: Bool
    /// Measurements made (each rung of each point counts; replayed ones included).
    public var evaluations: Int
    /// Distinct points measured.
    public var pointsMeasured: Int
    /// Measurements taken from the journal instead of re-measured.
    public var replayed: Int
    /// Count per outcome ("ok", "wrongAnswer", …).
    public var outcomes: [String: Int]
    /// Wall seconds spent on this target (search + head-to-head), excluding noise pauses.
    public var seconds: Double
    /// Of which searching (measurements, including the recorded time of ones replayed from a journal).
    public var searchSeconds: Double = 0
    /// Why there is no entry, when tuning this target could not produce one.
    public var problem: String?
    /// The weight condition the candidates were timed in (cold: weights streamed from memory).
    public var condition: WeightCondition = .hot

    /// chosen / default (1 when the default is kept or either is unknown).
    public var speedup: Double {
        guard let c = chosenGflops?.median, let d = defaultGflops?.median, d > 0 else { return 1 }
        return c / d
    }

    /// The tuned-config entry for this target, nil when it has no measurement.
    public var entry: TunedConfig.Entry? {
        guard problem == nil, let chosen = chosenGflops, let base = defaultGflops else { return nil }
        return TunedConfig.Entry(kernel: target.kernel.rawValue, shape: target.shape, params: chosenParams, measured: chosen,
                                 baseline: .init(params: defaultParams, gflops: base), evaluations: evaluations,
                                 condition: condition.rawValue)
    }
}
