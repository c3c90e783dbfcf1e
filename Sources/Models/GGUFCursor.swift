/// A bounds-checked little-endian reader over the bytes of an untrusted GGUF file.
///
/// Every read checks that the field fits in what remains and throws a `GGUFError` naming the field and
/// its offset otherwise; lengths read from the file are validated against the remaining bytes *before*
/// anything is allocated, so a forged count cannot exhaust memory.
struct GGUFCursor {
    let base: UnsafeRawPointer
    let count: Int
    private(set) var offset: Int = 0

    init(base: UnsafeRawPointer, count: Int) {
        self.base = base
        self.count = count
    }

    var remaining: Int { count - offset }

    /// Checks that `size` bytes of `field` are available at the current offset.
    func require(_ size: Int, _ field: String) throws(GGUFError) {
        guard size >= 0, size <= remaining else {
            throw GGUFError(.truncated, field: field, offset: offset, expected: "\(size) bytes",
                            found: "\(remaining) bytes left in the file")
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ field: String) throws(GGUFError) -> T {
        try require(MemoryLayout<T>.size, field)
        let v = base.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: v)
    }

    mutating func readFloat(_ field: String) throws(GGUFError) -> Float {
        Float(bitPattern: try read(UInt32.self, field))
    }

    mutating func readDouble(_ field: String) throws(GGUFError) -> Double {
        Double(bitPattern: try read(UInt64.self, field))
    }

    /// A u64 count that must fit in `Int` and leave room for `count × minimumElementSize` bytes.
    mutating func readCount(_ field: String, minimumElementSize: Int) throws(GGUFError) -> Int {
        let at = offset
        let raw = try read(UInt64.self, field)
        guard let n = Int(exactly: raw) else {
            throw GGUFError(.overflow, field: field, offset: at, expected: "a count below 2^63", found: "\(raw)")
        }
        let (bytes, overflow) = n.multipliedReportingOverflow(by: max(1, minimumElementSize))
        guard !overflow, bytes <= remaining else {
            throw GGUFError(.invalid, field: field, offset: at,
                            expected: "a count whose elements fit in the \(remaining) bytes left",
                            found: "\(n) (at least \(overflow ? "> 2^63" : String(bytes)) bytes)")
        }
        return n
    }

    /// A GGUF string: u64 byte length, then UTF-8 bytes (no terminator).
    mutating func readString(_ field: String) throws(GGUFError) -> String {
        let at = offset
        let n = try readCount(field + ".length", minimumElementSize: 1)
        let bytes = UnsafeRawBufferPointer(start: base + offset, count: n)
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw GGUFError(.invalid, field: field, offset: at, expected: "valid UTF-8", found: "malformed UTF-8 of \(n) bytes")
        }
        offset += n
        return s
    }

    /// One metadata value of type `type`; arrays recurse up to `depth` levels.
    mutating func readValue(_ type: GGUFValueType, _ field: String, depth: Int = 0) throws(GGUFError) -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try read(UInt8.self, field))
        case .int8: return .int8(try read(Int8.self, field))
        case .uint16: return .uint16(try read(UInt16.self, field))
        case .int16: return .int16(try read(Int16.self, field))
        case .uint32: return .uint32(try read(UInt32.self, field))
        case .int32: return .int32(try read(Int32.self, field))
        case .uint64: return .uint64(try read(UInt64.self, field))
        case .int64: return .int64(try read(Int64.self, field))
        case .float32: return .float32(try readFloat(field))
        case .float64: return .float64(try readDouble(field))
        case .bool:
            let at = offset
            let b = try read(UInt8.self, field)
            guard b <= 1 else {
                throw GGUFError(.invalid, field: field, offset: at, expected: "bool 0 or 1", found: "\(b)")
            }
            return .bool(b == 1)
        case .string: return .string(try readString(field))
        case .array:
            guard depth < 4 else {
                throw GGUFError(.unsupported, field: field, offset: offset, expected: "arrays nested at most 4 deep",
                                found: "deeper nesting")
            }
            let elementType = try readValueType(field + ".element_type")
            let n = try readCount(field + ".count", minimumElementSize: elementType.minimumSize)
            var items: [GGUFValue] = []
            items.reserveCapacity(n)
            let elementField = field + "[element]"   // the offset in the error locates the element
            for _ in 0..<n {
                items.append(try readValue(elementType, elementField, depth: depth + 1))
            }
            return .array(elementType, items)
        }
    }

    mutating func readValueType(_ field: String) throws(GGUFError) -> GGUFValueType {
        let at = offset
        let raw = try read(UInt32.self, field)
        guard let t = GGUFValueType(rawValue: raw) else {
            throw GGUFError(.invalid, field: field, offset: at, expected: "a value type 0...12", found: "\(raw)")
        }
        return t
    }

    mutating func seek(to position: Int) { offset = position }
}
