import Configs
import Kernels
import Probe
import Testing
@testable import Tuner

@Suite struct MachineTraitsTests {
    static func machine(vendor: String, family: Int, isa: [String], caches: [CacheInfo]) -> Machine {
        Machine(source: "test", cpu: CPUIdentity(vendor: vendor, model: "test cpu", family: family, architecture: "x86_64"),
                isa: isa, isaSource: "/proc/cpuinfo", packages: 1, cores: 2, hardwareThreads: 2, caches: caches,
                numaNodes: [], memoryBytes: nil, warnings: [])
    }

    static let zen5Caches = [
        CacheInfo(level: 1, kind: .data, sizeBytes: 48 << 10, lineBytes: 64, ways: 12, coresSharing: 1, threadsSharing: 1, count: 2),
        CacheInfo(level: 1, kind: .instruction, sizeBytes: 32 << 10, lineBytes: 64, ways: 8, coresSharing: 1, threadsSharing: 1, count: 2),
        CacheInfo(level: 2, kind: .unified, sizeBytes: 1 << 20, lineBytes: 64, ways: 16, coresSharing: 1, threadsSharing: 1, count: 2),
        CacheInfo(level: 3, kind: .unified, sizeBytes: 32 << 20, lineBytes: 64, ways: 16, coresSharing: 2, threadsSharing: 2, count: 1),
    ]

    @Test func zen5TraitsCarryItsCachesLanesAndFMATiming() {
        let m = Self.machine(vendor: "AuthenticAMD", family: 0x1A, isa: ["avx", "avx2", "avx512f", "fma"], caches: Self.zen5Caches)
        let (t, warnings) = MachineTraits.derived(from: m)
        #expect(warnings.isEmpty)
        #expect(t.l1dBytes == 48 << 10 && t.l1dWays == 12 && t.l2Bytes == 1 << 20 && t.l2Ways == 16)
        #expect(t.l3Bytes == 32 << 20 && t.lineBytes == 64 && t.cores == 2 && t.maxSIMDLanes == 16)
        #expect(t.fmaLatency == 4 && t.fmaPipes == 2)
    }

    @Test func fmaTimingFollowsTheMicroarchitecture() {
        let intel = Self.machine(vendor: "GenuineIntel", family: 6, isa: ["avx2", "avx512f", "fma"], caches: Self.zen5Caches)
        #expect(MachineTraits(machine: intel).fmaLatency == 4 && MachineTraits(machine: intel).fmaPipes == 2)
        let zen3 = Self.machine(vendor: "AuthenticAMD", family: 0x19, isa: ["avx2", "fma"], caches: Self.zen5Caches)
        #expect(MachineTraits(machine: zen3).fmaLatency == 5)
        #expect(MachineTraits(machine: zen3).maxSIMDLanes == 8)
        let zen4 = Self.machine(vendor: "AuthenticAMD", family: 0x19, isa: ["avx2", "avx512f", "fma"], caches: Self.zen5Caches)
        #expect(MachineTraits(machine: zen4).fmaLatency == 4 && MachineTraits(machine: zen4).fmaPipes == 2)
    }

    @Test func unknownCachesFallBackWithAWarningEach() {
        let m = Self.machine(vendor: "AuthenticAMD", family: 0x1A, isa: ["avx512f"], caches: [])
        let (t, warnings) = MachineTraits.derived(from: m)
        #expect(warnings.count == 3)
        #expect(warnings.contains { $0.hasPrefix("L1d") } && warnings.contains { $0.hasPrefix("L3") })
        #expect(t.l1dBytes == MachineTraits.fallback(cores: 2, maxSIMDLanes: 16).l1dBytes)
    }

    @Test func summaryNamesCachesAndKeepsTheFingerprint() {
        let m = Self.machine(vendor: "AuthenticAMD", family: 0x1A, isa: ["avx512f"], caches: Self.zen5Caches)
        let s = TunedConfig.MachineSummary(machine: m)
        #expect(s.fingerprint == m.fingerprint && s.cpu == "test cpu" && s.cores == 2)
        #expect(s.caches == ["L1d 48 KiB 12-way", "L1i 32 KiB 8-way", "L2 1 MiB 16-way", "L3 32 MiB 16-way"])
    }

    @Test func thisMachineProbesIntoUsableTraits() throws {
        let (context, _) = MachineContext.from(try Prober.probe(options: ProbeOptions(benchmarks: false)))
        #expect(context.traits.cores >= 1 && context.traits.l1dBytes > 0 && [4, 8, 16].contains(context.traits.maxSIMDLanes))
        #expect(context.fingerprint.count == 16)
    }
}
