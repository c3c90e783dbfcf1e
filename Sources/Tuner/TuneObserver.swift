/// Lifecycle hooks of a sweep (Kernel Tuner's observers): the progress bar, logs and tests subscribe here
/// instead of the driver printing. All hooks have empty defaults.
public protocol TuneObserver: AnyObject {
    func sessionStarted(targets: [TuneTarget])
    func shapeStarted(_ target: TuneTarget, index: Int, spaceSize: Int)
    /// After each measurement (or replay from the journal).
    func candidateFinished(_ target: TuneTarget, result: CandidateResult, replayed: Bool, progress: ShapeProgress)
    func shapeFinished(_ result: ShapeResult, index: Int)
    /// A line the user should see (noise pauses, skipped journal lines, kept defaults).
    func note(_ message: String)
}

extension TuneObserver {
    public func sessionStarted(targets: [TuneTarget]) {}
    public func shapeStarted(_ target: TuneTarget, index: Int, spaceSize: Int) {}
    public func candidateFinished(_ target: TuneTarget, result: CandidateResult, replayed: Bool, progress: ShapeProgress) {}
    public func shapeFinished(_ result: ShapeResult, index: Int) {}
    public func note(_ message: String) {}
}

/// Where one target's search stands.
public struct ShapeProgress: Sendable, Equatable {
    public var evaluations: Int
    /// Budget used, 0...1.
    public var fraction: Double
    /// Best GFLOP/s measured so far for this target.
    public var bestGflops: Double?
    public var defaultGflops: Double?
}
