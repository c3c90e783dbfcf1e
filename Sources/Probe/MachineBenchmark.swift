import Measure
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs the probe's microbenchmarks on this machine: FMA peak at 4/8/16 lanes, read bandwidth at L1-, L2-,
/// L3- and DRAM-resident sizes, each for 1..N pinned threads, and a clock estimate.
final class MachineBenchmark {
    let topology: HwlocTopology
    let machine: Machine
    let options: ProbeOptions
    private(set) var warnings: [String] = []

    init(topology: HwlocTopology, machine: Machine, options: ProbeOptions) {
        self.topology = topology; self.machine = machine; self.options = options
    }

    /// Thread counts measured: 1, 2, 4, ... below the limit, and the limit (every physical core by default).
    var threadCounts: [Int] {
        let limit = max(1, options.maxThreads ?? machine.cores)
        var out: [Int] = []
        var t = 1
        while t < limit { out.append(t); t *= 2 }
        return out + [limit]
    }

    /// Per-thread buffer sizes for each level: half of L1d and of L2 (per thread), half of the L3 share of one
    /// core, and 4× the whole L3 (at least 64 MiB) spread over the threads for DRAM.
    func bandwidthSizes(threads: Int) -> [(level: String, bytes: Int)] {
        func kib(_ x: Int) -> Int { max(4096, (x / 1024) * 1024) }
        let l1 = machine.cache(level: 1, kind: .data)?.sizeBytes
        let l2 = machine.cache(level: 2, kind: .data)?.sizeBytes
        let l3c = machine.cache(level: 3, kind: .data)
        if l1 == nil || l2 == nil || l3c?.sizeBytes == nil {
            warnings.append("cache sizes unknown: bandwidth buffer sizes fall back to 16 KiB / 256 KiB / 4 MiB per thread")
        }
        let l3PerCore = l3c.flatMap { c in c.sizeBytes.map { $0 / max(1, c.coresSharing ?? 1) } }
        let l3Total = l3c.flatMap { c in c.sizeBytes.map { $0 * c.count } } ?? (32 << 20)
        let dram = max(64 << 20, 4 * l3Total) / threads
        return [("L1", kib((l1 ?? (32 << 10)) / 2)), ("L2", kib((l2 ?? (512 << 10)) / 2)),
                ("L3", kib((l3PerCore ?? (8 << 20)) / 2)), ("DRAM", kib(dram))]
    }

    func run() -> MeasuredPeaks {
        let begin = MonotonicClock.nanoseconds()
        let budget = options.secondsPerFigure
        let sampleSeconds = max(0.0005, min(0.05, budget / 12))
        var pinned = true
        func team(_ threads: Int, _ job: TeamJob) -> (Summary, [Double], Int) {
            let t = PinnedTeam(threads: threads, topology: topology, job: job)
            if !t.pinningProblems.isEmpty {
                pinned = false
                warnings.append("threads not pinned: " + t.pinningProblems.joined(separator: "; "))
            }
            let (seconds, units) = t.measure(sampleSeconds: sampleSeconds, budget: budget)
            t.finish()
            return (Summary(seconds), seconds, units)
        }
        let sinkState: @Sendable (Int) -> UnsafeMutableRawPointer? = { _ in .allocate(byteCount: 64, alignment: 64) }
        let freeState: @Sendable (UnsafeMutableRawPointer?) -> Void = { $0?.deallocate() }

        // Clock: one thread, one dependent chain.
        let clockJob = TeamJob(setup: sinkState, work: { state, units in
            state?.storeBytes(of: FMAThroughput.chain(units: units, seed: 0.5), as: Float.self)
        }, teardown: freeState)
        let latency = 4
        let (clockSummary, _, clockUnits) = team(1, clockJob)
        let chainOps = Double(clockUnits * FMAThroughput.chainPerUnit)
        let clock = clockSummary.map { chainOps * Double(latency) / $0 / 1e9 }

        var fma: [MeasuredPeaks.FMAFigure] = []
        for lanes in [4, 8, 16] {
            for threads in threadCounts {
                let job = TeamJob(setup: sinkState, work: { state, units in
                    state?.storeBytes(of: FMAThroughput.run(lanes: lanes, units: units, seed: 0.25), as: Float.self)
                }, teardown: freeState)
                let (s, _, units) = team(threads, job)
                let flops = FMAThroughput.flopsPerUnit(lanes: lanes) * Double(units * threads)
                fma.append(.init(lanes: lanes, threads: threads, gflops: s.map { flops / $0 / 1e9 }))
            }
        }

        var bandwidth: [MeasuredPeaks.BandwidthFigure] = []
        for threads in threadCounts {
            for (level, bytes) in bandwidthSizes(threads: threads) {
                // State: [0..<64) sink, then the buffer (64-byte aligned, first-touched by its own thread).
                let job = TeamJob(setup: { _ in
                    let p = UnsafeMutableRawPointer.allocate(byteCount: 64 + bytes, alignment: 64)
                    let floats = (p + 64).bindMemory(to: Float.self, capacity: bytes / 4)
                    for i in 0..<(bytes / 4) { floats[i] = Float(i & 255) * 1e-3 }
                    return p
                }, work: { state, units in
                    guard let state else { return }
                    state.storeBytes(of: ReadBandwidth.run(state + 64, bytes: bytes, passes: units), as: Float.self)
                }, teardown: freeState)
                let (s, _, units) = team(threads, job)
                let total = Double(bytes) * Double(units) * Double(threads)
                bandwidth.append(.init(level: level, bytesPerThread: bytes, threads: threads,
                                       gbPerSecond: s.map { total / $0 / 1e9 }))
            }
        }
        let seconds = Double(MonotonicClock.nanoseconds() - begin) * 1e-9
        return MeasuredPeaks(fma: fma, bandwidth: bandwidth, clockGHz: clock, assumedFMALatency: latency,
                             pinned: pinned, seconds: seconds)
    }
}
