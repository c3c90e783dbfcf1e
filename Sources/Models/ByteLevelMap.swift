/// GPT-2's reversible byte ↔ Unicode mapping used by byte-level BPE vocabularies: printable bytes map to
/// themselves, the other 68 bytes to U+0100 onwards (so a space is "Ġ", a newline "Ċ").
public struct ByteLevelMap: Sendable {
    /// The code point standing for each byte.
    public let scalarForByte: [Unicode.Scalar]
    /// The byte for each code point below 512 (nil when the code point stands for no byte).
    private let byteForScalar: [UInt8?]

    public init() {
        var printable = Set<Int>()
        for b in 33...126 { printable.insert(b) }
        for b in 161...172 { printable.insert(b) }
        for b in 174...255 { printable.insert(b) }
        var map = [Unicode.Scalar](repeating: " ", count: 256)
        var inverse = [UInt8?](repeating: nil, count: 512)
        var next = 256
        for b in 0..<256 {
            let cp: Int
            if printable.contains(b) { cp = b } else { cp = next; next += 1 }
            map[b] = Unicode.Scalar(UInt32(cp))!   // cp < 512 always: valid scalar
            inverse[cp] = UInt8(b)
        }
        scalarForByte = map
        byteForScalar = inverse
    }

    /// The byte a code point stands for, if any.
    @inline(__always)
    public func byte(for s: Unicode.Scalar) -> UInt8? {
        s.value < 512 ? byteForScalar[Int(s.value)] : nil
    }

    /// The mapped string for raw bytes.
    public func encode(_ bytes: some Sequence<UInt8>) -> String {
        var v = String.UnicodeScalarView()
        for b in bytes { v.append(scalarForByte[Int(b)]) }
        return String(v)
    }
}
