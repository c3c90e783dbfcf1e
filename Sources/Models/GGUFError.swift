/// Why a GGUF file could not be read. Every check on the untrusted file raises one of these, naming the
/// field, the byte offset where it was read, what was expected and what was found, so a crafted or
/// truncated file gives a precise message instead of a crash or an out-of-bounds read.
public struct GGUFError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Equatable, Sendable {
        /// The file could not be opened or mapped.
        case io
        /// The file ends before the field does.
        case truncated
        /// A field holds a value outside what the format or this reader allows.
        case invalid
        /// A size computed from the file's numbers overflows.
        case overflow
        /// A required metadata key or tensor is absent.
        case missing
        /// A metadata value or tensor has a type other than the one required.
        case wrongType
        /// Valid GGUF, but a feature this reader does not implement (e.g. a tensor type it cannot dequantize).
        case unsupported
    }

    public var kind: Kind
    /// The field, key or tensor concerned, e.g. "header.tensor_count" or "tensor[3] 'blk.0.attn_q.weight'.dims".
    public var field: String
    /// Byte offset in the file where the field starts, when known.
    public var offset: Int?
    public var expected: String
    public var found: String
    /// The file, when read from disk.
    public var path: String?

    public init(_ kind: Kind, field: String, offset: Int? = nil, expected: String, found: String, path: String? = nil) {
        self.kind = kind; self.field = field; self.offset = offset
        self.expected = expected; self.found = found; self.path = path
    }

    public var description: String {
        var s = path.map { "\($0): " } ?? ""
        s += "GGUF \(kind.rawValue) field '\(field)'"
        if let offset { s += " at offset \(offset)" }
        s += ": expected \(expected), found \(found)"
        return s
    }

    /// The same error, tagged with the file it came from.
    func inFile(_ path: String) -> GGUFError {
        var e = self
        e.path = path
        return e
    }
}
