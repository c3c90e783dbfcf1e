/// Turns a stream of byte chunks (one per generated token) into text, holding back an incomplete UTF-8
/// sequence at the end of a chunk until the bytes that complete it arrive — tokens can split a character.
public struct UTF8StreamDecoder: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    /// The text that can be emitted after appending `bytes`.
    public mutating func push(_ bytes: [UInt8]) -> String {
        pending.append(contentsOf: bytes)
        // Find the start of a trailing, possibly incomplete sequence (at most 3 bytes back).
        var keep = 0
        var i = pending.count - 1
        while i >= 0 && pending.count - i <= 4 {
            let b = pending[i]
            if b & 0xC0 == 0x80 { i -= 1; continue }      // continuation byte
            let need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
            if pending.count - i < need { keep = pending.count - i }
            break
        }
        let emit = pending[..<(pending.count - keep)]
        let text = String(decoding: emit, as: UTF8.self)
        pending.removeFirst(pending.count - keep)
        return text
    }

    /// Whatever is left (repaired with U+FFFD if incomplete).
    public mutating func flush() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }
}
