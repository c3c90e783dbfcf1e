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
    /// Physical cores in the whole machine: the number kernels should size their thread pools by.
    public var cores: Int
    /// Hardware threads (hwloc PUs); greater than `cores` with SMT.
    public var hardwareThreads: Int
    /// One entry per cache level and kind, L1 first; empty when no source reports caches (then `warnings` says so).
    public var caches: [CacheInfo]
    public var numaNodes: [NUMANodeInfo]
    /// Total memory from /proc/meminfo (this machine) or the sum of the NUMA nodes (XML); nil if unknown.
    public var memoryBytes: Int64?
    /// Disagreements between sources and values that are unknown.
    public var warnings: [String]
    /// Stable identity for keying tuned configs: hex FNV-1a 64 of `fingerprintSource`.
    public var fingerprint: String
    /// The canonical text hashed into `fingerprint` (CPU model, ISA set, cache geometry, core count).
    public var fingerprintSource: String
    /// Microbenchmark figures; nil when probed with `--no-bench` or from a topology file.
    public var measured: MeasuredPeaks?

    public init(source: String, cpu: CPUIdentity, isa: [String], isaSource: String, packages: Int, cores: Int,
                hardwareThreads: Int, caches: [CacheInfo], numaNodes: [NUMANodeInfo], memoryBytes: Int64?,
                warnings: [String], measured: MeasuredPeaks? = nil) {
        self.source = source; self.cpu = cpu; self.isa = isa; self.isaSource = isaSource
        self.packages = packages; self.cores = cores; self.hardwareThreads = hardwareThreads
        self.caches = caches; self.numaNodes = numaNodes; self.memoryBytes = memoryBytes
        self.warnings = warnings; self.measured = measured
        let canonical = Fingerprint.canonicalString(cpuModel: cpu.model, isa: isa, isaKnown: isaSource != "unknown",
                                                    caches: caches, cores: cores)
        self.fingerprintSource = canonical
        self.fingerprint = Fingerprint.fnv1a64Hex(canonical)
    }

    /// The cache at `level` of `kind` (L1 data: `cache(level: 1, kind: .data)`); a unified cache also answers
    /// for `.data` and `.instruction` at its level. nil when unknown.
    public func cache(level: Int, kind: CacheInfo.Kind) -> CacheInfo? {
        caches.first { $0.level == level && $0.kind == kind }
            ?? (kind == .unified ? nil : caches.first { $0.level == level && $0.kind == .unified })
    }

    /// Physical cores per package (nil if the packages are uneven or unknown).
    public var coresPerPackage: Int? {
        packages > 0 && cores % packages == 0 ? cores / packages : nil
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

/// One NUMA node: memory and the CPUs (OS indexes) local to it, per source, so disagreements stay visible.
public struct NUMANodeInfo: Codable, Sendable, Equatable {
    public var index: Int
    /// Local memory according to hwloc (bytes), nil if unknown.
    public var memoryBytes: Int64?
    /// Local memory according to libnuma (`numa_node_size64`), nil if libnuma is unavailable (or an XML probe).
    public var libnumaMemoryBytes: Int64?
    /// OS indexes of the hardware threads in this node (hwloc).
    public var cpus: [Int]

    public init(index: Int, memoryBytes: Int64?, libnumaMemoryBytes: Int64? = nil, cpus: [Int]) {
        self.index = index; self.memoryBytes = memoryBytes
        self.libnumaMemoryBytes = libnumaMemoryBytes; self.cpus = cpus
    }
}
