import Kernels

/// A stable hash of the search spaces a sweep covers (64-bit FNV-1a over each kernel, shape and
/// `SearchSpace.signature`, sorted). Changing a parameter's values or a constraint's description changes
/// it, so a journal recorded against an older space is refused instead of silently mixed in.
public enum SearchSpaceHash {
    public static func of(_ spaces: [(kernel: String, shape: String, space: SearchSpace)]) -> String {
        let text = spaces.map { "\($0.kernel)@\($0.shape):\($0.space.signature)" }.sorted().joined(separator: "\n")
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 {
            h ^= UInt64(b)
            h &*= 0x0000_0100_0000_01b3
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
