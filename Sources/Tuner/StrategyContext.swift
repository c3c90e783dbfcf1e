import Kernels

/// What a strategy knows when it starts: the space, its valid points, and the analytical seed.
public struct StrategyContext: Sendable {
    public var space: SearchSpace
    /// Every valid point of `space`, in the space's deterministic enumeration order.
    public var points: [ParameterSet]
    /// The analytical default (BLIS model for matmul), the natural starting point.
    public var seed: ParameterSet
    /// The driver's cap on measurements for this shape, when there is one.
    public var maxEvaluations: Int?

    public init(space: SearchSpace, points: [ParameterSet], seed: ParameterSet, maxEvaluations: Int? = nil) {
        self.space = space
        self.points = points
        self.seed = seed
        self.maxEvaluations = maxEvaluations
    }
}
