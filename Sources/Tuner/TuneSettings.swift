/// How a sweep searches and measures: strategy and options, budgets per target, measurement policy,
/// journal.
public struct TuneSettings: Sendable {
    /// The strategy's name; set it with `use(_:options:)` so the options match.
    public private(set) var strategy: String = StrategyRegistry.defaultName
    /// The strategy's options, parsed once from the command line's `name=value` items.
    public private(set) var options: StrategyOptions = .defaults(StrategyRegistry.defaultName)
    /// Measurement cap per target (nil: none).
    public var maxEvaluations: Int?
    /// Search-time cap per target in seconds, excluding noise pauses and the head-to-head (nil: none).
    public var secondsPerTarget: Double?
    /// Time budget for the whole sweep, search and head-to-head checks together (noise pauses excluded):
    /// each target gets an equal share of what is left when it starts, so time a quickly converging target
    /// does not use goes to the ones after it, and one that overran takes it from the later ones. Combined
    /// with `secondsPerTarget`, the smaller cap wins.
    public var totalSeconds: Double?
    /// Fraction of a target's share of `totalSeconds` its search may use; the rest is left for its
    /// head-to-head check.
    public var searchShare = 0.85
    /// A wall-clock deadline (`MonotonicClock` nanoseconds) for search and head-to-head checks, for a
    /// command with a time limit: once the instances are built, the budget becomes what is left until it
    /// (noise pauses count against it), at least `minimumSeconds` and at most `totalSeconds`.
    public var deadline: UInt64?
    public var minimumSeconds = 15.0
    public var policy = TimingPolicy()
    /// Candidates (the strategy's pick and the best runners-up) timed interleaved against the default
    /// before one is written.
    public var contenders = 3
    /// Journal path (nil: no journal).
    public var journalPath: String?
    /// Continue the journal at `journalPath` instead of starting a new one.
    public var resume = false

    public init() {}

    /// Selects strategy `name` with `items` (`name=value`), parsed and checked against its option table.
    public mutating func use(_ name: String, options items: [String] = []) throws(TunerError) {
        options = try StrategyRegistry.options(name, items: items)
        strategy = name
    }

    /// Selects strategy `name` with options parsed already.
    public mutating func use(_ name: String, options parsed: StrategyOptions) {
        strategy = name
        options = parsed
    }
}
