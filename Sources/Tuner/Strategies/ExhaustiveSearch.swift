import Kernels

/// Measures every valid point once, at rung 0. The ground truth the other strategies are judged against;
/// affordable only for small spaces or generous budgets.
public struct ExhaustiveSearch: SearchStrategy {
    public static let name = "exhaustive"
    public static let summary = "every valid point of the space once (ground truth; slow on large spaces)"
    public static let options: [StrategyOption] = [
        StrategyOption("shuffle", .bool, default: "false",
                       help: "visit points in a seeded random order instead of enumeration order, so a time-capped sweep samples the whole space"),
        StrategyOption("seed", .int, default: "1", minimum: 0, help: "random seed for shuffle"),
    ]

    private var order: [ParameterSet]
    private var nextIndex = 0
    private var best: (params: ParameterSet, score: Double)?

    public init(context: StrategyContext, options: StrategyOptions) {
        order = context.points
        if options.bool("shuffle") {
            var rng = SplitMix64(seed: UInt64(options.int("seed")))
            order.shuffle(using: &rng)
        }
    }

    public mutating func next(progress: BudgetProgress) -> Proposal? {
        guard nextIndex < order.count else { return nil }
        defer { nextIndex += 1 }
        return Proposal(order[nextIndex])
    }

    public mutating func observe(_ proposal: Proposal, _ observation: Observation) {
        guard let s = observation.score else { return }
        if s > (best?.score ?? -.infinity) { best = (proposal.params, s) }
    }

    public var incumbent: ParameterSet? { best?.params }
}
