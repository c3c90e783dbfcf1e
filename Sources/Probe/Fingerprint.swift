/// The machine fingerprint: what identifies a machine for tuned configs and what deliberately does not.
///
/// In: CPU model string, ISA set, cache geometry (level, kind, size, line, ways, sharing, count), physical core
/// count. Out: clocks, free memory, measured figures, anything that drifts between two probes of one machine.
public enum Fingerprint {
    /// The canonical text that is hashed, e.g.
    /// `cpu=AMD EPYC;isa=avx,avx2,...;cores=2;caches=L1d:32768/64/8/1x2,...`.
    public static func canonicalString(cpuModel: String?, isa: [String], isaKnown: Bool,
                                       caches: [CacheInfo], cores: Int) -> String {
        func v(_ x: Int?) -> String { x.map(String.init) ?? "unknown" }
        let isaText = isaKnown ? isa.sorted().joined(separator: ",") : "unknown"
        let cacheText = caches.isEmpty ? "unknown" : caches
            .sorted { ($0.level, $0.kind.rawValue) < ($1.level, $1.kind.rawValue) }
            .map { "\($0.name):\(v($0.sizeBytes))/\(v($0.lineBytes))/\(v($0.ways))/\(v($0.coresSharing))x\($0.count)" }
            .joined(separator: ",")
        return "cpu=\(cpuModel ?? "unknown");isa=\(isaText);cores=\(cores);caches=\(cacheText)"
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
