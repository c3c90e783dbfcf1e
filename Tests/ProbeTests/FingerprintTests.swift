import Foundation
import Testing
@testable import Probe

@Suite struct FingerprintTests {
    static let l1 = CacheInfo(level: 1, kind: .data, sizeBytes: 32768, lineBytes: 64, ways: 8, coresSharing: 1,
                              threadsSharing: 1, count: 2)

    func machine(model: String = "CPU", isa: [String] = ["avx2", "fma"], caches: [CacheInfo] = [l1], cores: Int = 2,
                 memory: Int64? = 1 << 30) -> Machine {
        Machine(source: "test", cpu: CPUIdentity(model: model), isa: isa, isaSource: "test", packages: 1, cores: cores,
                hardwareThreads: cores, caches: caches, numaNodes: [], memoryBytes: memory, warnings: [])
    }

    @Test func fnv1aMatchesTheReferenceVectors() {
        // Published FNV-1a 64 test vectors.
        #expect(Fingerprint.fnv1a64Hex("") == "cbf29ce484222325")
        #expect(Fingerprint.fnv1a64Hex("a") == "af63dc4c8601ec8c")
        #expect(Fingerprint.fnv1a64Hex("foobar") == "85944171f73967e8")
    }

    @Test func fingerprintChangesWithModelISACachesAndCoresButNotMemory() {
        let base = machine()
        #expect(machine(memory: 7).fingerprint == base.fingerprint)
        #expect(machine(isa: ["fma", "avx2"]).fingerprint == base.fingerprint)
        #expect(machine(model: "Other").fingerprint != base.fingerprint)
        #expect(machine(isa: ["avx2"]).fingerprint != base.fingerprint)
        #expect(machine(cores: 4).fingerprint != base.fingerprint)
        var bigger = Self.l1; bigger.sizeBytes = 49152
        #expect(machine(caches: [bigger]).fingerprint != base.fingerprint)
        #expect(base.fingerprintSource == "cpu=CPU;isa=avx2,fma;cores=2;caches=L1d:32768/64/8/1x2")
    }

    @Test func cacheLookupFallsBackToTheUnifiedCacheOfTheLevel() {
        let l2 = CacheInfo(level: 2, kind: .unified, sizeBytes: 1 << 20, lineBytes: 64, ways: 16, coresSharing: 1,
                           threadsSharing: 2, count: 4)
        let m = machine(caches: [Self.l1, l2])
        #expect(m.cache(level: 1, kind: .data) == Self.l1)
        #expect(m.cache(level: 1, kind: .instruction) == nil)
        #expect(m.cache(level: 2, kind: .data) == l2)
        #expect(m.cache(level: 3, kind: .data) == nil)
        #expect(m.maxSIMDLanes == 8)
    }

    @Test func cpuinfoParsingReadsX86AndArmIdentityAndFlags() {
        let x86 = CPUInfoFile(text: """
            processor\t: 0
            vendor_id\t: GenuineIntel
            cpu family\t: 6
            model\t\t: 143
            model name\t: Intel(R) Xeon(R) Platinum 8480+
            stepping\t: 8
            flags\t\t: fpu sse4_2 avx avx2 fma avx512f avx512_fp16 amx_tile amx_bf16

            processor\t: 1
            vendor_id\t: Other
            """)
        #expect(x86.identity.vendor == "GenuineIntel")
        #expect(x86.identity.family == 6 && x86.identity.modelNumber == 143 && x86.identity.stepping == 8)
        #expect(ISAFeatures.canonical(fromFlags: x86.flags ?? []) == ["amx", "amx_bf16", "avx", "avx2", "avx512_fp16", "avx512f", "fma", "sse4.2"])
        let arm = CPUInfoFile(text: """
            processor\t: 0
            Features\t: fp asimd evtstrm aes asimdhp asimddp sve sve2 i8mm bf16
            CPU implementer\t: 0x41
            CPU architecture: 8
            CPU part\t: 0xd4f
            CPU revision\t: 1
            """)
        #expect(arm.identity.modelNumber == 0xd4f && arm.identity.stepping == 1)
        #expect(ISAFeatures.canonical(fromFlags: arm.flags ?? []) == ["bf16", "i8mm", "neon", "neon_dotprod", "neon_fp16", "sve", "sve2"])
    }
}

/// Core kinds and memory kinds in the fingerprint: present only where the machine has them, so two machines
/// that differ only in that differ in fingerprint, and an ordinary machine's fingerprint is unchanged.
@Suite struct KindFingerprintTests {
    static let l2 = CacheInfo(level: 2, kind: .unified, sizeBytes: 1 << 20, lineBytes: 64, ways: 16, coresSharing: 1,
                              threadsSharing: 1, count: 8)

    func kind(_ index: Int, _ type: String, cores: Int) -> CoreKind {
        CoreKind(index: index, efficiency: index, infos: ["CoreType": type], cpus: Array(0..<cores), cores: cores,
                 coreIndexes: Array(0..<cores), hardwareThreads: cores, caches: [])
    }

    func machine(kinds: [CoreKind] = [], nodes: [NUMANodeInfo] = [], cores: Int? = 8,
                 devices: [MemoryDevice] = []) -> Machine {
        Machine(source: "test", cpu: CPUIdentity(model: "CPU"), isa: ["avx2"], isaSource: "test", packages: 1,
                cores: cores, hardwareThreads: 8, caches: [Self.l2], numaNodes: nodes, memoryBytes: nil, warnings: [],
                coreKinds: kinds, memoryDevices: devices)
    }

    @Test func anOrdinaryMachineKeepsTheFingerprintTextItHadBeforeKinds() {
        let one = machine(kinds: [kind(0, "X", cores: 8)], nodes: [NUMANodeInfo(index: 0, memoryBytes: 1 << 30, cpus: [0])])
        #expect(one.fingerprintSource == "cpu=CPU;isa=avx2;cores=8;caches=L2:1048576/64/16/1x8")
    }

    @Test func coreKindsChangeTheFingerprint() {
        let a = machine(kinds: [kind(0, "IntelAtom", cores: 4), kind(1, "IntelCore", cores: 4)])
        let b = machine(kinds: [kind(0, "IntelAtom", cores: 6), kind(1, "IntelCore", cores: 2)])
        #expect(a.fingerprint != machine().fingerprint)
        #expect(a.fingerprint != b.fingerprint)
        #expect(a.fingerprintSource.hasSuffix(";kinds=IntelAtom@0:4c4t,IntelCore@1:4c4t"))
    }

    @Test func memoryKindsChangeTheFingerprint() {
        let dram = [NUMANodeInfo(index: 0, memoryBytes: 1 << 30, cpus: [0], kind: "DRAM")]
        let hbm = dram + [NUMANodeInfo(index: 1, memoryBytes: 1 << 30, cpus: [0], kind: "HBM")]
        #expect(machine(nodes: dram).fingerprint != machine(nodes: hbm).fingerprint)
        #expect(machine(nodes: hbm).fingerprintSource.hasSuffix(";memory=DRAM:1x1073741824,HBM:1x1073741824"))
        #expect(hbm[1].highBandwidth && !hbm[0].highBandwidth)
        let cxl = machine(devices: [MemoryDevice(name: "mem0", subtype: "CXLMem", ramBytes: 1 << 28, persistentBytes: nil)])
        #expect(cxl.fingerprint != machine().fingerprint)
    }

    @Test func unknownCoresAreSaidNotGuessed() {
        let m = machine(cores: nil)
        #expect(m.fingerprintSource.contains("cores=unknown;threads=8"))
        #expect(m.schedulableCores == 8)
        #expect(m.coresPerPackage == nil)
    }

    @Test func machineJSONRoundTripsKindsGroupsAndMemoryAndWritesNullCores() throws {
        let m = machine(kinds: [kind(0, "IntelAtom", cores: 4), kind(1, "IntelCore", cores: 4)],
                        nodes: [NUMANodeInfo(index: 0, memoryBytes: 1, cpus: [0], kind: "MCDRAM", tier: 0,
                                             attributes: [.init(name: "Bandwidth", unit: "MiB/s", value: 9, initiatorCPUs: [0],
                                                                initiatorObject: nil)])],
                        cores: nil)
        let data = try JSONEncoder().encode(m)
        #expect(String(decoding: data, as: UTF8.self).contains("\"cores\":null"))
        #expect(try JSONDecoder().decode(Machine.self, from: data) == m)
    }
}
