/// Everything ktune knows about one machine: identity, ISA, topology, caches, NUMA, measured peaks.
///
/// A value type that round-trips through JSON (`ktune probe --json`). Values the sources could not give are
/// `nil` (printed "unknown") and come with an entry in `warnings`; nothing is guessed.
public struct Machine: Codable, Sendable, Equatable {
    /// Where the topology came from: this machine (`"this machine"`) or a saved hwloc XML file (its path).
    public var source: String
    public var cpu: CPUIdentity
    /// Kernel-relevant ISA features, canonical lower-case names, sorted ("avx2", "avx512f", "fma", ...).
    public var isa: [String]
    /// Where `isa` came from ("/proc/cpuinfo", "hwloc info attribute CPUFlags", or "unknown").
    public var isaSource: String
    /// Physical packages (sockets).
    public var packages: Int
    /// Physical cores in the whole machine; nil ("cores unknown") when the topology has no Core objects (some
    /// POWER partitions, hand-made topologies): never a guess. Thread pools size by `schedulableCores`.
    public var cores: Int?
    /// Hardware threads (hwloc PUs); greater than `cores` with SMT.
    public var hardwareThreads: Int
    /// One entry per cache level and kind, L1 first; empty when no source reports caches (then `warnings` says so).
    public var caches: [CacheInfo]
    public var numaNodes: [NUMANodeInfo]
    /// Kinds of cores (hwloc cpukinds), lowest efficiency first; empty when hwloc knows of none, one entry on
    /// a machine whose cores are all alike (where hwloc reports that), several on a hybrid machine.
    public var coreKinds: [CoreKind]
    /// CXL memory devices and DAX devices hwloc reports as OS devices (memory not, or not only, a NUMA node).
    public var memoryDevices: [MemoryDevice]
    /// Total memory from /proc/meminfo (this machine) or the sum of the NUMA nodes (XML); nil if unknown.
    public var memoryBytes: Int64?
    /// Disagreements between sources and values that are unknown.
    public var warnings: [String]
    /// Stable identity for keying tuned configs: hex FNV-1a 64 of `fingerprintSource`.
    public var fingerprint: String
    /// The canonical text hashed into `fingerprint` (CPU model, ISA set, cache geometry, core count, core
    /// kinds on a hybrid machine, memory kinds where hwloc names them).
    public var fingerprintSource: String
    /// Microbenchmark figures; nil when probed with `--no-bench` or from a topology file.
    public var measured: MeasuredPeaks?

    public init(source: String, cpu: CPUIdentity, isa: [String], isaSource: String, packages: Int, cores: Int?,
                hardwareThreads: Int, caches: [CacheInfo], numaNodes: [NUMANodeInfo], memoryBytes: Int64?,
                warnings: [String], coreKinds: [CoreKind] = [], memoryDevices: [MemoryDevice] = [],
                measured: MeasuredPeaks? = nil) {
        self.source = source; self.cpu = cpu; self.isa = isa; self.isaSource = isaSource
        self.packages = packages; self.cores = cores; self.hardwareThreads = hardwareThreads
        self.caches = caches; self.numaNodes = numaNodes; self.memoryBytes = memoryBytes
        self.warnings = warnings; self.measured = measured
        self.coreKinds = coreKinds; self.memoryDevices = memoryDevices
        let canonical = Fingerprint.canonicalString(cpuModel: cpu.model, isa: isa, isaKnown: isaSource != "unknown",
                                                    caches: caches, cores: cores, hardwareThreads: hardwareThreads,
                                                    coreKinds: coreKinds, numaNodes: numaNodes,
                                                    memoryDevices: memoryDevices)
        self.fingerprintSource = canonical
        self.fingerprint = Fingerprint.fnv1a64Hex(canonical)
    }

    /// The cache at `level` of `kind` (L1 data: `cache(level: 1, kind: .data)`); a unified cache also answers
    /// for `.data` and `.instruction` at its level. nil when unknown.
    public func cache(level: Int, kind: CacheInfo.Kind) -> CacheInfo? {
        caches.first { $0.level == level && $0.kind == kind }
            ?? (kind == .unified ? nil : caches.first { $0.level == level && $0.kind == .unified })
    }

    /// Physical cores per package (nil if the packages are uneven or the cores unknown).
    public var coresPerPackage: Int? {
        guard let cores, packages > 0, cores % packages == 0 else { return nil }
        return cores / packages
    }

    /// What a thread pool can place one thread on: the physical cores, or every hardware thread when the
    /// cores are unknown (the count a pool is sized by, not a claim about the hardware).
    public var schedulableCores: Int { max(1, cores ?? hardwareThreads) }

    /// More than one kind of core (P- and E-cores, ...).
    public var isHybrid: Bool { coreKinds.count > 1 }

    /// The kinds from the most performant to the most efficient: the order threads are placed in by default
    /// (P-cores first). hwloc's order reversed when the ranks are known, else hwloc's order.
    public var coreKindsFastestFirst: [CoreKind] {
        coreKinds.allSatisfy { $0.efficiency != nil }
            ? coreKinds.sorted { ($0.efficiency ?? 0, $0.index) > ($1.efficiency ?? 0, $1.index) } : coreKinds
    }

    /// The widest native SIMD width in Float lanes: 16 with AVX-512F, 8 with AVX, 4 with SSE/NEON; nil if the
    /// ISA is unknown.
    public var maxSIMDLanes: Int? {
        if isaSource == "unknown" { return nil }
        if isa.contains("avx512f") { return 16 }
        if isa.contains("avx") || isa.contains("avx2") { return 8 }
        return 4
    }

    /// Whether this machine supports `feature` (canonical name); nil when the ISA is unknown.
    public func supports(_ feature: String) -> Bool? {
        isaSource == "unknown" ? nil : isa.contains(feature)
    }
}

extension Machine {
    private enum CodingKeys: String, CodingKey {
        case source, cpu, isa, isaSource, packages, cores, hardwareThreads, caches, numaNodes, coreKinds
        case memoryDevices, memoryBytes, warnings, fingerprint, fingerprintSource, measured
    }

    /// Reads `ktune probe --json` output; files from before core and memory kinds decode with none.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        source = try c.decode(String.self, forKey: .source)
        cpu = try c.decode(CPUIdentity.self, forKey: .cpu)
        isa = try c.decode([String].self, forKey: .isa)
        isaSource = try c.decode(String.self, forKey: .isaSource)
        packages = try c.decode(Int.self, forKey: .packages)
        cores = try c.decodeIfPresent(Int.self, forKey: .cores)
        hardwareThreads = try c.decode(Int.self, forKey: .hardwareThreads)
        caches = try c.decode([CacheInfo].self, forKey: .caches)
        numaNodes = try c.decode([NUMANodeInfo].self, forKey: .numaNodes)
        coreKinds = try c.decodeIfPresent([CoreKind].self, forKey: .coreKinds) ?? []
        memoryDevices = try c.decodeIfPresent([MemoryDevice].self, forKey: .memoryDevices) ?? []
        memoryBytes = try c.decodeIfPresent(Int64.self, forKey: .memoryBytes)
        warnings = try c.decode([String].self, forKey: .warnings)
        fingerprint = try c.decode(String.self, forKey: .fingerprint)
        fingerprintSource = try c.decode(String.self, forKey: .fingerprintSource)
        measured = try c.decodeIfPresent(MeasuredPeaks.self, forKey: .measured)
    }

    /// Unknown cores and memory are written as explicit `null` ("cores": null), not left out.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(source, forKey: .source); try c.encode(cpu, forKey: .cpu); try c.encode(isa, forKey: .isa)
        try c.encode(isaSource, forKey: .isaSource); try c.encode(packages, forKey: .packages)
        try c.encode(cores, forKey: .cores); try c.encode(hardwareThreads, forKey: .hardwareThreads)
        try c.encode(caches, forKey: .caches); try c.encode(numaNodes, forKey: .numaNodes)
        try c.encode(coreKinds, forKey: .coreKinds); try c.encode(memoryDevices, forKey: .memoryDevices)
        try c.encode(memoryBytes, forKey: .memoryBytes); try c.encode(warnings, forKey: .warnings)
        try c.encode(fingerprint, forKey: .fingerprint); try c.encode(fingerprintSource, forKey: .fingerprintSource)
        try c.encodeIfPresent(measured, forKey: .measured)
    }
}

/// The CPU's identity as the OS or hwloc reports it.
public struct CPUIdentity: Codable, Sendable, Equatable {
    /// "AuthenticAMD", "GenuineIntel", "ARM", ... or nil.
    public var vendor: String?
    /// Marketing model string ("AMD EPYC 9R45"), or nil.
    public var model: String?
    /// CPUID family, model and stepping (x86) or implementer/part/revision (arm64), when known.
    public var family: Int?
    public var modelNumber: Int?
    public var stepping: Int?
    /// "x86_64", "aarch64", ... or nil.
    public var architecture: String?

    private enum CodingKeys: String, CodingKey { case vendor, model, family, modelNumber, stepping, architecture }

    /// Encodes unknown values as explicit `null` rather than leaving the key out.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(vendor, forKey: .vendor); try c.encode(model, forKey: .model)
        try c.encode(family, forKey: .family); try c.encode(modelNumber, forKey: .modelNumber)
        try c.encode(stepping, forKey: .stepping); try c.encode(architecture, forKey: .architecture)
    }

    public init(vendor: String? = nil, model: String? = nil, family: Int? = nil, modelNumber: Int? = nil,
                stepping: Int? = nil, architecture: String? = nil) {
        self.vendor = vendor; self.model = model; self.family = family
        self.modelNumber = modelNumber; self.stepping = stepping; self.architecture = architecture
    }
}

/// One NUMA node: memory and the CPUs (OS indexes) local to it, per source, so disagreements stay visible,
/// and what kind of memory it is (DRAM, HBM, MCDRAM, CXL) with hwloc's memory attributes.
public struct NUMANodeInfo: Codable, Sendable, Equatable {
    public var index: Int
    /// Local memory according to hwloc (bytes), nil if unknown.
    public var memoryBytes: Int64?
    /// Local memory according to libnuma (`numa_node_size64`), nil if libnuma is unavailable (or an XML probe).
    public var libnumaMemoryBytes: Int64?
    /// OS indexes of the hardware threads in this node (hwloc).
    public var cpus: [Int]
    /// hwloc's subtype of the node: "DRAM", "HBM", "MCDRAM", "CXL-DRAM", "NVM", "SPM", "GPUMemory", ...; nil
    /// when hwloc gives none (ordinary memory on most machines: hwloc names kinds only where several exist).
    public var kind: String?
    /// hwloc's "MemoryTier" info (0 fastest), nil when absent.
    public var tier: Int?
    /// High-bandwidth memory (kind HBM or MCDRAM).
    public var highBandwidth: Bool
    /// CXL-attached memory (a kind naming CXL).
    public var cxl: Bool
    /// hwloc's memory attributes with a value for this node (bandwidth, latency, custom ones), per initiator;
    /// Capacity and Locality are left out (they repeat `memoryBytes` and `cpus`).
    public var attributes: [MemoryAttributeValue]

    public init(index: Int, memoryBytes: Int64?, libnumaMemoryBytes: Int64? = nil, cpus: [Int], kind: String? = nil,
                tier: Int? = nil, attributes: [MemoryAttributeValue] = []) {
        self.index = index; self.memoryBytes = memoryBytes
        self.libnumaMemoryBytes = libnumaMemoryBytes; self.cpus = cpus
        self.kind = kind; self.tier = tier; self.attributes = attributes
        let k = kind?.uppercased() ?? ""
        highBandwidth = k == "HBM" || k == "MCDRAM" || k.hasPrefix("HBM")
        cxl = k.contains("CXL")
    }

    private enum CodingKeys: String, CodingKey {
        case index, memoryBytes, libnumaMemoryBytes, cpus, kind, tier, highBandwidth, cxl, attributes
    }

    /// Files from before memory kinds decode as nodes of no particular kind.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(index: try c.decode(Int.self, forKey: .index),
                  memoryBytes: try c.decodeIfPresent(Int64.self, forKey: .memoryBytes),
                  libnumaMemoryBytes: try c.decodeIfPresent(Int64.self, forKey: .libnumaMemoryBytes),
                  cpus: try c.decode([Int].self, forKey: .cpus), kind: try c.decodeIfPresent(String.self, forKey: .kind),
                  tier: try c.decodeIfPresent(Int.self, forKey: .tier),
                  attributes: try c.decodeIfPresent([MemoryAttributeValue].self, forKey: .attributes) ?? [])
    }

    /// The best (highest) bandwidth hwloc gives for this node, MiB/s; nil when it gives none.
    public var bandwidthMiBps: UInt64? { attributes.filter { $0.name == "Bandwidth" }.map(\.value).max() }
    /// The best (lowest) latency hwloc gives for this node, ns; nil when it gives none.
    public var latencyNs: UInt64? { attributes.filter { $0.name == "Latency" }.map(\.value).min() }
}
