import Configs

/// What `ktune tune --json` prints: where the results went and every target's outcome.
public struct TuneReport: Codable, Sendable {
    public var machine: TunedConfig.MachineSummary
    public var out: String
    public var journal: String
    public var strategy: String
    public var results: [ShapeResult]
    /// Disturbed episodes the calibration kernel saw, and seconds spent waiting them out.
    public var noiseEpisodes: Int
    public var noisePauseSeconds: Double

    public init(machine: TunedConfig.MachineSummary, out: String, journal: String, strategy: String,
                results: [ShapeResult], noiseEpisodes: Int, noisePauseSeconds: Double) {
        self.machine = machine; self.out = out; self.journal = journal; self.strategy = strategy
        self.results = results; self.noiseEpisodes = noiseEpisodes; self.noisePauseSeconds = noisePauseSeconds
    }
}
