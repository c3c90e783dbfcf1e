/// One level and kind of cache, as the topology describes it. The top-level figures are those of the first
/// instance (hwloc's logical order); `groups` holds every distinct geometry and sharing among the instances,
/// so a hybrid machine's 1.25 MiB per-P-core and 2 MiB per-4-E-cores L2s both show.
public struct CacheInfo: Codable, Sendable, Equatable {
    /// What the cache holds.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case data, instruction, unified
    }

    /// 1 for L1, 2 for L2, ...
    public var level: Int
    public var kind: Kind
    /// Capacity of one instance in bytes; nil when unknown (never guessed).
    public var sizeBytes: Int?
    /// Line size in bytes; nil when unknown.
    public var lineBytes: Int?
    /// Associativity; -1 means fully associative (hwloc's convention); nil when unknown.
    public var ways: Int?
    /// Physical cores sharing one instance; nil when unknown.
    public var coresSharing: Int?
    /// Hardware threads sharing one instance; nil when unknown.
    public var threadsSharing: Int?
    /// Instances in the machine.
    public var count: Int
    /// The instances grouped by geometry and sharing, in order of first appearance; one group when all are
    /// alike. Empty only for values built by hand without groups.
    public var groups: [CacheInstanceGroup]

    public init(level: Int, kind: Kind, sizeBytes: Int?, lineBytes: Int?, ways: Int?,
                coresSharing: Int?, threadsSharing: Int?, count: Int, groups: [CacheInstanceGroup]? = nil) {
        self.level = level; self.kind = kind; self.sizeBytes = sizeBytes; self.lineBytes = lineBytes
        self.ways = ways; self.coresSharing = coresSharing; self.threadsSharing = threadsSharing; self.count = count
        self.groups = groups ?? [CacheInstanceGroup(sizeBytes: sizeBytes, lineBytes: lineBytes, ways: ways,
                                                    coresSharing: coresSharing, threadsSharing: threadsSharing,
                                                    count: count, coreKinds: [])]
    }

    /// Whether every instance has the same geometry and sharing.
    public var isUniform: Bool { groups.count <= 1 }

    private enum CodingKeys: String, CodingKey {
        case level, kind, sizeBytes, lineBytes, ways, coresSharing, threadsSharing, count, groups
    }

    /// Files from before instance groups decode with one group made of the top-level figures.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(level: try c.decode(Int.self, forKey: .level), kind: try c.decode(Kind.self, forKey: .kind),
                  sizeBytes: try c.decodeIfPresent(Int.self, forKey: .sizeBytes),
                  lineBytes: try c.decodeIfPresent(Int.self, forKey: .lineBytes),
                  ways: try c.decodeIfPresent(Int.self, forKey: .ways),
                  coresSharing: try c.decodeIfPresent(Int.self, forKey: .coresSharing),
                  threadsSharing: try c.decodeIfPresent(Int.self, forKey: .threadsSharing),
                  count: try c.decode(Int.self, forKey: .count),
                  groups: try c.decodeIfPresent([CacheInstanceGroup].self, forKey: .groups))
    }

    /// Encodes unknown values as explicit `null` rather than leaving the key out.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(level, forKey: .level); try c.encode(kind, forKey: .kind)
        try c.encode(sizeBytes, forKey: .sizeBytes); try c.encode(lineBytes, forKey: .lineBytes)
        try c.encode(ways, forKey: .ways); try c.encode(coresSharing, forKey: .coresSharing)
        try c.encode(threadsSharing, forKey: .threadsSharing); try c.encode(count, forKey: .count)
        try c.encode(groups, forKey: .groups)
    }

    /// "L1d", "L1i", "L2", "L3": the short name lstopo prints.
    public var name: String {
        switch kind {
        case .data: "L\(level)d"
        case .instruction: "L\(level)i"
        case .unified: "L\(level)"
        }
    }
}

/// Instances of one cache level and kind that share a geometry and a sharing pattern: on Raptor Lake the L2
/// has a group of six 1.25 MiB instances with one P-core each and a group of two 2 MiB instances with four
/// E-cores each.
public struct CacheInstanceGroup: Codable, Sendable, Equatable, Hashable {
    public var sizeBytes: Int?
    public var lineBytes: Int?
    /// Associativity; -1 fully associative; nil unknown.
    public var ways: Int?
    /// Physical cores under one instance; nil when unknown (no Core objects, or none under it).
    public var coresSharing: Int?
    /// Hardware threads under one instance; nil when none.
    public var threadsSharing: Int?
    /// Instances in this group.
    public var count: Int
    /// Indexes (`CoreKind.index`) of the core kinds whose threads these instances serve; empty unless the
    /// machine has more than one kind.
    public var coreKinds: [Int]

    public init(sizeBytes: Int?, lineBytes: Int?, ways: Int?, coresSharing: Int?, threadsSharing: Int?, count: Int,
                coreKinds: [Int]) {
        self.sizeBytes = sizeBytes; self.lineBytes = lineBytes; self.ways = ways; self.coresSharing = coresSharing
        self.threadsSharing = threadsSharing; self.count = count; self.coreKinds = coreKinds
    }

    private enum CodingKeys: String, CodingKey {
        case sizeBytes, lineBytes, ways, coresSharing, threadsSharing, count, coreKinds
    }

    /// Encodes unknown values as explicit `null` rather than leaving the key out.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(sizeBytes, forKey: .sizeBytes); try c.encode(lineBytes, forKey: .lineBytes)
        try c.encode(ways, forKey: .ways); try c.encode(coresSharing, forKey: .coresSharing)
        try c.encode(threadsSharing, forKey: .threadsSharing); try c.encode(count, forKey: .count)
        try c.encode(coreKinds, forKey: .coreKinds)
    }
}
