import Kernels

/// A way of exploring a search space, in propose/observe style: the strategy only chooses; the driver
/// owns measurement, verification, the journal and the budgets (so a replayed journal, a mock-free test
/// and a live sweep all drive strategies the same way).
///
/// Strategies are deterministic given their options and the observations they receive, which is what
/// makes `--resume` free: replaying recorded observations walks the same path without measuring.
public protocol SearchStrategy {
    /// The `--strategy` name.
    static var name: String { get }
    /// One line for help output.
    static var summary: String { get }
    /// The options this strategy accepts, as data; help text is generated from it.
    static var options: [StrategyOption] { get }

    init(context: StrategyContext, options: StrategyOptions)

    /// The next candidate to measure, or nil when the strategy is done.
    mutating func next(progress: BudgetProgress) -> Proposal?

    /// The result of measuring `proposal`.
    mutating func observe(_ proposal: Proposal, _ observation: Observation)

    /// The strategy's current pick (nil until something measured ok).
    var incumbent: ParameterSet? { get }
}
