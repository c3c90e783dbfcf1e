/// What the kernels need to know about the machine: cache geometry, core count, vector width and FMA
/// timing. The tuner builds it from a probed `Machine`; the kernel library never imports the prober.
public struct MachineTraits: Hashable, Codable, Sendable {
    public var l1dBytes: Int
    public var l1dWays: Int
    public var l2Bytes: Int
    public var l2Ways: Int
    public var l3Bytes: Int
    public var l3Ways: Int
    public var lineBytes: Int
    /// Physical cores available to kernels.
    public var cores: Int
    /// The widest SIMD width (Float lanes) the ISA executes natively: 4 (SSE/NEON), 8 (AVX2), 16 (AVX-512).
    public var maxSIMDLanes: Int
    /// FMA latency in cycles and FMA pipes per core (BLIS analytical model inputs).
    public var fmaLatency: Int
    public var fmaPipes: Int
    /// The machine's core kinds (hwloc cpukinds) when it has more than one (P- and E-cores); empty otherwise.
    /// The analytical seeds and search spaces use them; the pool places threads fastest kind first.
    public var coreKinds: [CoreKindSlot]

    public init(l1dBytes: Int, l1dWays: Int, l2Bytes: Int, l2Ways: Int, l3Bytes: Int, l3Ways: Int,
                lineBytes: Int, cores: Int, maxSIMDLanes: Int, fmaLatency: Int = 4, fmaPipes: Int = 2,
                coreKinds: [CoreKindSlot] = []) {
        self.l1dBytes = l1dBytes; self.l1dWays = l1dWays
        self.l2Bytes = l2Bytes; self.l2Ways = l2Ways
        self.l3Bytes = l3Bytes; self.l3Ways = l3Ways
        self.lineBytes = lineBytes; self.cores = cores
        self.maxSIMDLanes = maxSIMDLanes; self.fmaLatency = fmaLatency; self.fmaPipes = fmaPipes
        self.coreKinds = coreKinds
    }

    private enum CodingKeys: String, CodingKey {
        case l1dBytes, l1dWays, l2Bytes, l2Ways, l3Bytes, l3Ways, lineBytes, cores, maxSIMDLanes, fmaLatency, fmaPipes
        case coreKinds
    }

    /// Traits written before core kinds existed decode with none.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(l1dBytes: try c.decode(Int.self, forKey: .l1dBytes), l1dWays: try c.decode(Int.self, forKey: .l1dWays),
                  l2Bytes: try c.decode(Int.self, forKey: .l2Bytes), l2Ways: try c.decode(Int.self, forKey: .l2Ways),
                  l3Bytes: try c.decode(Int.self, forKey: .l3Bytes), l3Ways: try c.decode(Int.self, forKey: .l3Ways),
                  lineBytes: try c.decode(Int.self, forKey: .lineBytes), cores: try c.decode(Int.self, forKey: .cores),
                  maxSIMDLanes: try c.decode(Int.self, forKey: .maxSIMDLanes),
                  fmaLatency: try c.decodeIfPresent(Int.self, forKey: .fmaLatency) ?? 4,
                  fmaPipes: try c.decodeIfPresent(Int.self, forKey: .fmaPipes) ?? 2,
                  coreKinds: try c.decodeIfPresent([CoreKindSlot].self, forKey: .coreKinds) ?? [])
    }

    /// Conservative traits for when nothing was probed: 32 KiB/8-way L1, 1 MiB/16-way L2, 8 MiB L3.
    public static func fallback(cores: Int, maxSIMDLanes: Int) -> MachineTraits {
        MachineTraits(l1dBytes: 32 << 10, l1dWays: 8, l2Bytes: 1 << 20, l2Ways: 16, l3Bytes: 8 << 20,
                      l3Ways: 16, lineBytes: 64, cores: max(1, cores), maxSIMDLanes: maxSIMDLanes)
    }
}
