import Measure

/// Figures measured on the machine by `ktune probe` (medians with min–max over repeated samples).
public struct MeasuredPeaks: Codable, Sendable, Equatable {
    /// FMA throughput at one SIMD width and thread count.
    public struct FMAFigure: Codable, Sendable, Equatable {
        public var lanes: Int
        public var threads: Int
        public var gflops: Summary
        /// Samples taken, and how many were clean (no other process on the cores). Fewer than 3 clean: the
        /// figure is made of disturbed samples and says less about the machine than about its load.
        public var samplesTaken: Int
        public var cleanSamples: Int
        public var disturbed: Bool { cleanSamples < 3 }
    }

    /// Read bandwidth with a working set resident in one memory level.
    public struct BandwidthFigure: Codable, Sendable, Equatable {
        /// "L1", "L2", "L3" or "DRAM": where the working set is meant to live.
        public var level: String
        /// Buffer each thread reads (sized from the probed caches).
        public var bytesPerThread: Int
        public var threads: Int
        /// Total over all threads, GB/s (10⁹ bytes per second).
        public var gbPerSecond: Summary
        /// As for `FMAFigure`.
        public var samplesTaken: Int
        public var cleanSamples: Int
        public var disturbed: Bool { cleanSamples < 3 }
    }

    /// One-thread figures on one core of one kind (hybrid machines): the kind's clock and FMA peaks.
    public struct KindFigure: Codable, Sendable, Equatable {
        /// `CoreKind.name` ("IntelCore") and `CoreKind.index`.
        public var kind: String
        public var kindIndex: Int
        /// hwloc logical index of the core the thread was pinned to.
        public var core: Int
        public var clockGHz: Summary
        /// 1-thread FMA figures at each width.
        public var fma: [FMAFigure]
    }

    public var fma: [FMAFigure]
    public var bandwidth: [BandwidthFigure]
    /// Per-kind 1-thread figures on a hybrid machine, fastest kind first; empty on a machine with one kind.
    /// `fma` and `bandwidth` are measured on cores taken fastest kind first.
    public var perKind: [KindFigure]
    /// Clock estimate in GHz: dependent scalar FMAs per second × `assumedFMALatency`.
    public var clockGHz: Summary
    /// FMA latency (cycles) the clock estimate assumes: 4 on Zen 3/4/5, Skylake-X and later, Apple M.
    public var assumedFMALatency: Int
    /// Whether every benchmark thread was pinned to its own core.
    public var pinned: Bool
    /// Samples taken in all, and how many of them were set aside because another process shared a core
    /// (thread CPU time < 90% of wall time). A figure falls back to all its samples when < 3 were clean.
    public var samplesTaken: Int
    public var samplesDisturbed: Int
    /// Wall time of the whole benchmark, seconds.
    public var seconds: Double

    /// The FMA figure at `lanes` lanes on `threads` threads.
    public func peak(lanes: Int, threads: Int) -> Summary? {
        fma.first { $0.lanes == lanes && $0.threads == threads }?.gflops
    }

    /// The read bandwidth for `level` ("L1", "L2", "L3", "DRAM") on `threads` threads.
    public func bandwidth(level: String, threads: Int) -> Summary? {
        bandwidth.first { $0.level == level && $0.threads == threads }?.gbPerSecond
    }

    /// FLOPs per cycle per core at the widest width measured (1 thread ÷ clock): 64 means 2 FMA pipes × 16 lanes.
    public var flopsPerCycle: Double? {
        guard let widest = fma.filter({ $0.threads == 1 }).max(by: { $0.lanes < $1.lanes }),
              clockGHz.median > 0 else { return nil }
        return widest.gflops.median / clockGHz.median
    }

    /// FMA pipes per core implied by the widest 1-thread peak and the clock (rounded), nil if not measured.
    public var fmaPipes: Int? {
        guard let f = flopsPerCycle, let lanes = fma.map(\.lanes).max() else { return nil }
        let pipes = (f / Double(2 * lanes)).rounded()
        return pipes >= 1 ? Int(pipes) : nil
    }
}
