/// The machine fingerprint: what identifies a machine for tuned configs and what deliberately does not.
///
/// In: CPU model string, ISA set, cache geometry (level, kind, size, line, ways, sharing, count; every instance
/// group when the instances differ), physical core count (or "unknown" and the hardware threads), the core
/// kinds of a hybrid machine, and the memory kinds where hwloc names them (HBM, MCDRAM, CXL nodes and CXL
/// devices). Out: clocks, free memory, measured figures, anything that drifts between two probes of one
/// machine. The parts that only exist on hybrid or heterogeneous-memory machines are appended only there, so
/// an ordinary machine's fingerprint is what it was before they existed.
public enum Fingerprint {
    /// The canonical text that is hashed, e.g.
    /// `cpu=AMD EPYC;isa=avx,avx2,...;cores=2;caches=L1d:32768/64/8/1x2,...`, then on a Raptor Lake
    /// `;kinds=IntelAtom@0:8c8t,IntelCore@1:6c12t` and on a KNL `;memory=DRAM:4x1073741824,MCDRAM:4x2147483648`.
    public static func canonicalString(cpuModel: String?, isa: [String], isaKnown: Bool, caches: [CacheInfo],
                                       cores: Int?, hardwareThreads: Int = 0, coreKinds: [CoreKind] = [],
                                       numaNodes: [NUMANodeInfo] = [], memoryDevices: [MemoryDevice] = []) -> String {
        func v(_ x: Int?) -> String { x.map(String.init) ?? "unknown" }
        let isaText = isaKnown ? isa.sorted().joined(separator: ",") : "unknown"
        func group(_ g: CacheInstanceGroup) -> String {
            "\(v(g.sizeBytes))/\(v(g.lineBytes))/\(v(g.ways))/\(v(g.coresSharing))x\(g.count)"
        }
        let cacheText = caches.isEmpty ? "unknown" : caches
            .sorted { ($0.level, $0.kind.rawValue) < ($1.level, $1.kind.rawValue) }
            .map { c in
                c.isUniform ? "\(c.name):\(v(c.sizeBytes))/\(v(c.lineBytes))/\(v(c.ways))/\(v(c.coresSharing))x\(c.count)"
                    : "\(c.name):" + c.groups.map(group).joined(separator: "+")
            }
            .joined(separator: ",")
        let coreText = cores.map(String.init) ?? "unknown;threads=\(hardwareThreads)"
        var text = "cpu=\(cpuModel ?? "unknown");isa=\(isaText);cores=\(coreText);caches=\(cacheText)"
        if coreKinds.count > 1 {
            text += ";kinds=" + coreKinds.map { k in
                "\(k.coreType ?? "unnamed")@\(v(k.efficiency)):\(v(k.cores))c\(k.hardwareThreads)t"
            }.joined(separator: ",")
        }
        let named = Dictionary(grouping: numaNodes.filter { $0.kind != nil }) { "\($0.kind ?? "")" }
        if !named.isEmpty {
            text += ";memory=" + named.keys.sorted().map { kind in
                let nodes = named[kind] ?? []
                let sizes = Set(nodes.map { v($0.memoryBytes.map { Int($0) }) })
                return "\(kind):\(nodes.count)x" + sizes.sorted().joined(separator: "/")
            }.joined(separator: ",")
        }
        let cxl = memoryDevices.filter(\.cxl)
        if !cxl.isEmpty {
            text += ";cxl=" + cxl.map { "\(v($0.ramBytes.map { Int($0) }))/\(v($0.persistentBytes.map { Int($0) }))" }
                .sorted().joined(separator: ",")
        }
        return text
    }

    /// FNV-1a 64-bit hash of the UTF-8 bytes, as 16 lower-case hex digits.
    public static func fnv1a64Hex(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
