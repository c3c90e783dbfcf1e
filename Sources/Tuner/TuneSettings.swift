/// How a sweep searches and measures: strategy and options, budgets per target, measurement policy,
/// journal.
public struct TuneSettings: Sendable {
    public var strategy: String = StrategyRegistry.defaultName
    /// `name=value` items checked against the strategy's option table.
    public var strategyOptions: [String] = []
    /// Measurement cap per target (nil: none).
    public var maxEvaluations: Int?
    /// Search-time cap per target in seconds, excluding noise pauses and the head-to-head (nil: none).
    public var secondsPerTarget: Double?
    public var policy = TimingPolicy()
    /// Journal path (nil: no journal).
    public var journalPath: String?
    /// Continue the journal at `journalPath` instead of starting a new one.
    public var resume = false

    public init() {}
}
