/// One level and kind of cache, as the topology describes it (all instances of it are assumed alike; when
/// they are not, the prober warns).
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

    public init(level: Int, kind: Kind, sizeBytes: Int?, lineBytes: Int?, ways: Int?,
                coresSharing: Int?, threadsSharing: Int?, count: Int) {
        self.level = level; self.kind = kind; self.sizeBytes = sizeBytes; self.lineBytes = lineBytes
        self.ways = ways; self.coresSharing = coresSharing; self.threadsSharing = threadsSharing; self.count = count
    }

    private enum CodingKeys: String, CodingKey {
        case level, kind, sizeBytes, lineBytes, ways, coresSharing, threadsSharing, count
    }

    /// Encodes unknown values as explicit `null` rather than leaving the key out.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(level, forKey: .level); try c.encode(kind, forKey: .kind)
        try c.encode(sizeBytes, forKey: .sizeBytes); try c.encode(lineBytes, forKey: .lineBytes)
        try c.encode(ways, forKey: .ways); try c.encode(coresSharing, forKey: .coresSharing)
        try c.encode(threadsSharing, forKey: .threadsSharing); try c.encode(count, forKey: .count)
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
