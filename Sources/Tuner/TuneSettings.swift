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
    /// Search-time budget for the whole sweep: each target gets an equal share of what is left when it
    /// starts, so time a quickly converging target does not use goes to the ones after it. Combined with
    /// `secondsPerTarget`, the smaller cap wins.
    public var totalSeconds: Double?
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
