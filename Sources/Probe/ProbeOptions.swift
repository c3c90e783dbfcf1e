/// How to probe this machine.
public struct ProbeOptions: Sendable, Equatable {
    /// Run the microbenchmarks (FMA peak, read bandwidth, clock). `ktune probe --no-bench` turns them off.
    public var benchmarks: Bool
    /// Time budget per measured figure in seconds (the default keeps the whole bench near 15 s on 2 cores).
    public var secondsPerFigure: Double
    /// Largest thread count measured (figures are taken for 1...maxThreads); nil: every physical core.
    public var maxThreads: Int?
    /// Root under which /sys and /proc are read for the cross-check ("/"; a copy of the layout elsewhere
    /// lets tests feed the cross-check a disagreeing witness).
    public var sysRoot: String
    /// Take the per-core-kind figures even on a machine with a single kind (tests; hybrid machines always do).
    public var perKindFigures: Bool

    /// Topology, caches, ISA and NUMA only: milliseconds instead of the ~15 s of benchmarks.
    public static let noBenchmarks = ProbeOptions(benchmarks: false)

    public init(benchmarks: Bool = true, secondsPerFigure: Double = 0.8, maxThreads: Int? = nil, sysRoot: String = "/",
                perKindFigures: Bool = false) {
        self.benchmarks = benchmarks; self.secondsPerFigure = secondsPerFigure
        self.maxThreads = maxThreads; self.sysRoot = sysRoot; self.perKindFigures = perKindFigures
    }
}
