import Testing
@testable import Probe

/// A few-millisecond run of every microbenchmark: that each figure exists and is a finite positive number.
/// Not a timing assertion (the machine is shared); real figures come from `ktune probe`.
@Suite struct BenchmarkSmokeTests {
    @Test func tinyBenchmarkFillsEveryFigure() throws {
        let m = try Prober.probe(options: ProbeOptions(benchmarks: true, secondsPerFigure: 0.002, maxThreads: 2))
        let p = try #require(m.measured)
        let threadCounts = m.schedulableCores >= 2 ? [1, 2] : [1]
        #expect(Set(p.fma.map(\.lanes)) == [4, 8, 16])
        #expect(p.fma.count == 3 * threadCounts.count)
        #expect(Set(p.bandwidth.map(\.level)) == ["L1", "L2", "L3", "DRAM"])
        #expect(p.bandwidth.count == 4 * threadCounts.count)
        for f in p.fma { #expect(f.gflops.median > 0 && f.gflops.median.isFinite && f.gflops.count >= 3) }
        for b in p.bandwidth {
            #expect(b.gbPerSecond.median > 0 && b.gbPerSecond.median.isFinite)
            #expect(b.bytesPerThread % 1024 == 0)
        }
        #expect(p.clockGHz.median > 0.1 && p.clockGHz.median < 10)
        #expect(p.peak(lanes: 16, threads: 1) != nil)
        #expect(p.samplesTaken >= p.samplesDisturbed)
    }

    /// The per-kind figures (one thread pinned to the first core of each kind) are taken on a hybrid machine;
    /// on this one-kind VM the option forces them so the code path runs. Whether a P-core measures faster
    /// than an E-core needs a real hybrid machine.
    @Test func perKindFiguresArePinnedToTheFirstCoreOfEachKind() throws {
        let m = try Prober.probe(options: ProbeOptions(benchmarks: true, secondsPerFigure: 0.002, maxThreads: 1,
                                                       perKindFigures: true))
        let p = try #require(m.measured)
        #expect(p.perKind.count == m.coreKinds.filter { !$0.coreIndexes.isEmpty }.count)
        for (f, k) in zip(p.perKind, m.coreKindsFastestFirst) {
            #expect(f.kindIndex == k.index && f.core == k.coreIndexes.first)
            #expect(f.clockGHz.median > 0.1 && f.clockGHz.median < 10)
            #expect(f.fma.map(\.lanes) == [4, 8, 16])
            for x in f.fma { #expect(x.threads == 1 && x.gflops.median > 0 && x.gflops.median.isFinite) }
        }
        let plain = try Prober.probe(options: ProbeOptions(benchmarks: true, secondsPerFigure: 0.002, maxThreads: 1))
        #expect(plain.measured?.perKind.isEmpty == !plain.isHybrid)
    }

    @Test func bandwidthBuffersFollowTheCacheSizes() throws {
        let m = try Prober.probe(topologyXML: TopologyFileTests.machinesDirectory + "/synthetic-2socket-smt2-zen5like.xml")
        let topo = try HwlocTopology()
        let b = MachineBenchmark(topology: topo, machine: m, options: ProbeOptions())
        let sizes = Dictionary(uniqueKeysWithValues: b.bandwidthSizes(threads: 1).map { ($0.level, $0.bytes) })
        #expect(sizes["L1"] == 24 << 10)          // half of 48 KiB
        #expect(sizes["L2"] == 512 << 10)         // half of 1 MiB
        #expect(sizes["L3"] == 2 << 20)           // 2 × L2 (a quarter of 32 MiB / 8 cores is only 1 MiB)
        #expect(sizes["DRAM"] == 4 * 4 * (32 << 20))
        #expect(b.warnings.isEmpty)
        #expect(b.threadCounts == [1, 2, 4, 8, 16, 32])
    }

    @Test func unknownCachesGiveFallbackBufferSizesAndOneWarning() throws {
        let m = try Prober.probe(topologyXML: TopologyFileTests.machinesDirectory + "/synthetic-no-caches-wsl2like.xml")
        let b = MachineBenchmark(topology: try HwlocTopology(), machine: m, options: ProbeOptions())
        let one = b.bandwidthSizes(threads: 1), two = b.bandwidthSizes(threads: 2)
        #expect(one.map(\.bytes) == [16 << 10, 256 << 10, 4 << 20, 128 << 20])   // DRAM: 4 × an assumed 32 MiB L3
        #expect(two.last?.bytes == 64 << 20)
        #expect(b.warnings.count == 1)
        #expect(b.warnings.first?.hasPrefix("cache sizes unknown") == true)
    }
}
