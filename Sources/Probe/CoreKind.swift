/// One kind of core as hwloc's cpukinds API reports it (Intel P- and E-cores, AMD Zen 5 and Zen 5c, Apple
/// performance and efficiency cores): which hardware threads and cores are of this kind, how hwloc ranks it,
/// its info attributes, and the caches its cores see.
///
/// hwloc ranks kinds by efficiency: 0 is the most energy-efficient (smallest, slowest) kind and the highest
/// rank the most performant one; the rank is nil when hwloc knows the kinds apart but not how they rank.
public struct CoreKind: Codable, Sendable, Equatable {
    /// hwloc's kind index (`hwloc_cpukinds_get_info`); kinds are listed lowest efficiency first when known.
    public var index: Int
    /// hwloc's efficiency rank, 0 … kinds − 1 (higher: faster cores); nil when unknown (hwloc's −1).
    public var efficiency: Int?
    /// hwloc's info attributes of the kind: "CoreType" ("IntelCore", "IntelAtom", ...), "FrequencyMaxMHz",
    /// "FrequencyBaseMHz", "LinuxCPUType", ...
    public var infos: [String: String]
    /// OS indexes of the hardware threads (PUs) of this kind.
    public var cpus: [Int]
    /// Physical cores of this kind; nil when the topology has no Core objects.
    public var cores: Int?
    /// hwloc logical indexes of those cores (what thread placement binds to); empty when cores are unknown.
    public var coreIndexes: [Int]
    /// Hardware threads of this kind.
    public var hardwareThreads: Int
    /// The caches the cores of this kind use, one entry per level and kind, with only the instances that
    /// serve these cores (an L3 shared with other kinds appears in each kind).
    public var caches: [CacheInfo]
    /// Per cache name ("L3"), how many cores of this kind no instance of it covers (Arrow Lake's two
    /// low-power E-cores have no L3); only levels where some are left out.
    public var coresWithoutCache: [String: Int]

    public init(index: Int, efficiency: Int?, infos: [String: String], cpus: [Int], cores: Int?,
                coreIndexes: [Int], hardwareThreads: Int, caches: [CacheInfo], coresWithoutCache: [String: Int] = [:]) {
        self.index = index; self.efficiency = efficiency; self.infos = infos; self.cpus = cpus
        self.cores = cores; self.coreIndexes = coreIndexes; self.hardwareThreads = hardwareThreads
        self.caches = caches; self.coresWithoutCache = coresWithoutCache
    }

    private enum CodingKeys: String, CodingKey {
        case index, efficiency, infos, cpus, cores, coreIndexes, hardwareThreads, caches, coresWithoutCache
    }

    /// Encodes unknown values as explicit `null` rather than leaving the key out.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(index, forKey: .index); try c.encode(efficiency, forKey: .efficiency)
        try c.encode(infos, forKey: .infos); try c.encode(cpus, forKey: .cpus); try c.encode(cores, forKey: .cores)
        try c.encode(coreIndexes, forKey: .coreIndexes); try c.encode(hardwareThreads, forKey: .hardwareThreads)
        try c.encode(caches, forKey: .caches); try c.encode(coresWithoutCache, forKey: .coresWithoutCache)
    }

    /// hwloc's "CoreType" info ("IntelCore", "IntelAtom"), nil when absent.
    public var coreType: String? { infos["CoreType"] }

    /// A short name for tables and placement: the CoreType, else "kind N".
    public var name: String { coreType ?? "kind \(index)" }

    /// Hardware threads per core when every core of the kind has the same number; nil otherwise or unknown.
    public var threadsPerCore: Int? {
        guard let cores, cores > 0, hardwareThreads % cores == 0 else { return nil }
        return hardwareThreads / cores
    }
}
