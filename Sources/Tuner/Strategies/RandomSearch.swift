import Kernels

/// Uniform sampling without replacement from the valid points, at rung 0, until `samples` points or the
/// budget are used up. A baseline that any model-guided strategy must beat.
public struct RandomSearch: SearchStrategy {
    public static let name = "random"
    public static let summary = "uniform samples without replacement from the valid points"
    public static let options: [StrategyOption] = [
        StrategyOption("samples", .int, default: "0", minimum: 0,
                       help: "points to sample; 0 = until the budget runs out"),
        StrategyOption("seed", .int, default: "1", minimum: 0, help: "random seed"),
    ]

    private var order: [ParameterSet]
    private var nextIndex = 0
    private let limit: Int
    private var best: (params: ParameterSet, score: Double)?

    public init(context: StrategyContext, options: StrategyOptions) {
        var rng = SplitMix64(seed: UInt64(options.int("seed")))
        order = context.points.shuffled(using: &rng)
        let samples = options.int("samples")
        limit = samples > 0 ? min(samples, order.count) : order.count
    }

    public mutating func next(progress: BudgetProgress) -> Proposal? {
        guard nextIndex < limit else { return nil }
        defer { nextIndex += 1 }
        return Proposal(order[nextIndex])
    }

    public mutating func observe(_ proposal: Proposal, _ observation: Observation) {
        guard let s = observation.score else { return }
        if s > (best?.score ?? -.infinity) { best = (proposal.params, s) }
    }

    public var incumbent: ParameterSet? { best?.params }
}
