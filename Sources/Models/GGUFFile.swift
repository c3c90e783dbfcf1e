/// A GGUF v3 model file: metadata key/values, tensor infos and memory-mapped tensor data.
///
/// The file is treated as untrusted: the header, every metadata count and string length, every tensor's
/// rank, dimensions, type, size and offset are validated with overflow-checked arithmetic before use.
/// A malformed file throws `GGUFError` (naming field, offset, expectation); it never traps and never
/// reads outside the file. Tensor data stays in the read-only mapping until dequantized.
public final class GGUFFile: @unchecked Sendable {
    /// "GGUF" read as a little-endian u32.
    public static let magic: UInt32 = 0x4655_4747
    /// ggml's GGML_MAX_DIMS.
    public static let maxDimensions = 4

    /// Where the bytes come from (for messages).
    public let path: String?
    public let version: UInt32
    /// Metadata in file order.
    public let metadata: [(key: String, value: GGUFValue)]
    public let tensors: [GGUFTensorInfo]
    /// general.alignment, default 32.
    public let alignment: Int
    /// Byte offset of the tensor-data section.
    public let dataOffset: Int

    private let storage: GGUFStorage
    private let metadataIndex: [String: Int]
    private let tensorIndex: [String: Int]

    /// Maps and parses the file at `path`.
    public convenience init(path: String) throws(GGUFError) {
        try self.init(path: path, residency: .mapped)
    }

    /// Maps (or, with `.hugePages`, copies into huge pages — see `GGUFResidency`) and parses the file
    /// at `path`.
    public convenience init(path: String, residency: GGUFResidency) throws(GGUFError) {
        let storage = try GGUFStorage(mapping: path, residency: residency)
        do { try self.init(storage: storage, path: path) } catch { throw error.inFile(path) }
    }

    /// How the file's bytes are held: `hugePages` only if the copy was made.
    public var residency: GGUFResidency { storage.residency }

    /// Parses a copy of `bytes`, zero-padded to `paddedSize` bytes (so a header region copied out of a real
    /// file can be parsed without its tensor data).
    public convenience init(bytes: [UInt8], paddedSize: Int = 0) throws(GGUFError) {
        let storage = bytes.withUnsafeBytes { GGUFStorage(copying: $0, paddedSize: paddedSize) }
        try self.init(storage: storage, path: nil)
    }

    private init(storage: GGUFStorage, path: String?) throws(GGUFError) {
        self.storage = storage
        self.path = path
        var c = GGUFCursor(base: storage.base, count: storage.count)

        let magic = try c.read(UInt32.self, "header.magic")
        guard magic == Self.magic else {
            throw GGUFError(.invalid, field: "header.magic", offset: 0, expected: "\"GGUF\" (0x46554747)",
                            found: "0x" + String(magic, radix: 16))
        }
        version = try c.read(UInt32.self, "header.version")
        guard version == 3 || version == 2 else {
            throw GGUFError(.unsupported, field: "header.version", offset: 4, expected: "3 (or 2)", found: "\(version)")
        }
        // Each tensor info is at least 8 (name length) + 4 (rank) + 4 (type) + 8 (offset) bytes; each
        // key/value at least 8 (key length) + 4 (type) + 1 byte.
        let tensorCount = try c.readCount("header.tensor_count", minimumElementSize: 24)
        let kvCount = try c.readCount("header.kv_count", minimumElementSize: 13)

        var metadata: [(key: String, value: GGUFValue)] = []
        metadata.reserveCapacity(kvCount)
        var metadataIndex: [String: Int] = [:]
        for i in 0..<kvCount {
            let at = c.offset
            let key = try c.readString("kv[\(i)].key")
            guard metadataIndex[key] == nil else {
                throw GGUFError(.invalid, field: "kv[\(i)].key", offset: at, expected: "unique keys", found: "duplicate '\(key)'")
            }
            let type = try c.readValueType("kv[\(i)] '\(key)'.type")
            let value = try c.readValue(type, "kv[\(i)] '\(key)'")
            metadataIndex[key] = metadata.count
            metadata.append((key, value))
        }
        self.metadata = metadata
        self.metadataIndex = metadataIndex

        var alignment = 32
        if let i = metadataIndex["general.alignment"] {
            let v = metadata[i].value
            guard case .uint32(let a) = v, a > 0, a & (a - 1) == 0, a <= 1 << 16 else {
                throw GGUFError(.invalid, field: "general.alignment", expected: "a u32 power of two ≤ 65536", found: "\(v.type) \(v)")
            }
            alignment = Int(a)
        }
        self.alignment = alignment

        var infos: [GGUFTensorInfo] = []
        infos.reserveCapacity(tensorCount)
        var tensorIndex: [String: Int] = [:]
        for i in 0..<tensorCount {
            let info = try Self.readTensorInfo(&c, index: i)
            guard tensorIndex[info.name] == nil else {
                throw GGUFError(.invalid, field: "tensor[\(i)].name", expected: "unique tensor names", found: "duplicate '\(info.name)'")
            }
            tensorIndex[info.name] = infos.count
            infos.append(info)
        }

        // The data section starts at the next multiple of the alignment.
        let (padded, overflow) = c.offset.addingReportingOverflow(alignment - 1)
        guard !overflow else {
            throw GGUFError(.overflow, field: "tensor_data", offset: c.offset, expected: "an aligned data offset", found: "overflow")
        }
        let dataOffset = padded / alignment * alignment
        guard dataOffset <= storage.count || infos.isEmpty else {
            throw GGUFError(.truncated, field: "tensor_data", offset: c.offset, expected: "data section at \(dataOffset)",
                            found: "file of \(storage.count) bytes")
        }
        self.dataOffset = min(dataOffset, storage.count)
        let dataSize = storage.count - self.dataOffset
        for (i, t) in infos.enumerated() {
            let f = "tensor[\(i)] '\(t.name)'.offset"
            guard t.offset % alignment == 0 else {
                throw GGUFError(.invalid, field: f, expected: "a multiple of the alignment \(alignment)", found: "\(t.offset)")
            }
            let (end, o) = t.offset.addingReportingOverflow(t.byteCount)
            guard !o, end <= dataSize else {
                throw GGUFError(.truncated, field: f, offset: dataOffset,
                                expected: "\(t.byteCount) bytes of \(t.type) data at data offset \(t.offset)",
                                found: "a data section of \(dataSize) bytes")
            }
        }
        // Tensors must not share bytes: overlapping ranges mean sizes that do not match the types (or a
        // crafted file aliasing one tensor's data as another's).
        let byOffset = infos.indices.sorted { infos[$0].offset < infos[$1].offset }
        for (a, b) in zip(byOffset, byOffset.dropFirst()) where infos[a].offset + infos[a].byteCount > infos[b].offset {
            let t = infos[a], u = infos[b]
            throw GGUFError(.invalid, field: "tensor[\(b)] '\(u.name)'.offset",
                            expected: "data after tensor '\(t.name)' (\(t.dimensions) \(t.type): \(t.byteCount) bytes from \(t.offset))",
                            found: "\(u.offset), inside it")
        }
        self.tensors = infos
        self.tensorIndex = tensorIndex
    }

    private static func readTensorInfo(_ c: inout GGUFCursor, index i: Int) throws(GGUFError) -> GGUFTensorInfo {
        let name = try c.readString("tensor[\(i)].name")
        let field = "tensor[\(i)] '\(name)'"
        let rankAt = c.offset
        let rank = try c.read(UInt32.self, field + ".n_dims")
        guard rank >= 1, rank <= UInt32(maxDimensions) else {
            throw GGUFError(.invalid, field: field + ".n_dims", offset: rankAt, expected: "1...\(maxDimensions)", found: "\(rank)")
        }
        var dims: [Int] = []
        var elements = 1
        for d in 0..<Int(rank) {
            let at = c.offset
            let raw = try c.read(UInt64.self, field + ".dims[\(d)]")
            guard raw >= 1, let n = Int(exactly: raw) else {
                throw GGUFError(.invalid, field: field + ".dims[\(d)]", offset: at, expected: "a dimension ≥ 1 below 2^63", found: "\(raw)")
            }
            let (e, o) = elements.multipliedReportingOverflow(by: n)
            guard !o else {
                throw GGUFError(.overflow, field: field + ".dims", offset: at, expected: "an element count below 2^63", found: "overflow at dims[\(d)] = \(n)")
            }
            elements = e
            dims.append(n)
        }
        let typeAt = c.offset
        let rawType = try c.read(UInt32.self, field + ".type")
        guard let type = GGUFTensorType(rawValue: rawType) else {
            throw GGUFError(.invalid, field: field + ".type", offset: typeAt, expected: "a known ggml type", found: "\(rawType)")
        }
        guard dims[0] % type.blockElements == 0 else {
            throw GGUFError(.invalid, field: field + ".dims[0]", expected: "a multiple of \(type)'s block of \(type.blockElements)",
                            found: "\(dims[0])")
        }
        let (bytes, o) = (elements / type.blockElements).multipliedReportingOverflow(by: type.blockBytes)
        guard !o else {
            throw GGUFError(.overflow, field: field + ".dims", expected: "a byte size below 2^63", found: "overflow")
        }
        let offAt = c.offset
        let rawOffset = try c.read(UInt64.self, field + ".offset")
        guard let offset = Int(exactly: rawOffset) else {
            throw GGUFError(.overflow, field: field + ".offset", offset: offAt, expected: "an offset below 2^63", found: "\(rawOffset)")
        }
        return GGUFTensorInfo(name: name, dimensions: dims, type: type, offset: offset, byteCount: bytes)
    }

    // MARK: Metadata

    /// The value of `key`, if present.
    public subscript(key: String) -> GGUFValue? {
        metadataIndex[key].map { metadata[$0].value }
    }

    /// A required integer value (any integer type).
    public func int(_ key: String) throws(GGUFError) -> Int {
        guard let v = self[key] else { throw GGUFError(.missing, field: key, expected: "an integer", found: "no such key", path: path) }
        guard let i = v.intValue else { throw GGUFError(.wrongType, field: key, expected: "an integer", found: "\(v.type)", path: path) }
        return i
    }

    /// A required float value (f32 or f64).
    public func double(_ key: String) throws(GGUFError) -> Double {
        guard let v = self[key] else { throw GGUFError(.missing, field: key, expected: "a float", found: "no such key", path: path) }
        guard let d = v.doubleValue else { throw GGUFError(.wrongType, field: key, expected: "a float", found: "\(v.type)", path: path) }
        return d
    }

    /// A required string value.
    public func string(_ key: String) throws(GGUFError) -> String {
        guard let v = self[key] else { throw GGUFError(.missing, field: key, expected: "a string", found: "no such key", path: path) }
        guard let s = v.stringValue else { throw GGUFError(.wrongType, field: key, expected: "a string", found: "\(v.type)", path: path) }
        return s
    }

    /// A required array whose elements all have type `type`.
    public func array(_ key: String, of type: GGUFValueType) throws(GGUFError) -> [GGUFValue] {
        guard let v = self[key] else { throw GGUFError(.missing, field: key, expected: "an array of \(type)", found: "no such key", path: path) }
        guard case .array(let t, let a) = v, t == type else {
            throw GGUFError(.wrongType, field: key, expected: "an array of \(type)", found: "\(v.type)", path: path)
        }
        return a
    }

    // MARK: Tensors

    /// The tensor named `name`, or a `.missing` error.
    public func tensor(_ name: String) throws(GGUFError) -> GGUFTensorInfo {
        guard let i = tensorIndex[name] else {
            throw GGUFError(.missing, field: name, expected: "a tensor of that name", found: "none among \(tensors.count)", path: path)
        }
        return tensors[i]
    }

    /// Whether a tensor called `name` exists.
    public func hasTensor(_ name: String) -> Bool { tensorIndex[name] != nil }

    /// The raw bytes of `tensor` inside the mapping (validated at load to lie within the file). Valid as
    /// long as this `GGUFFile` is alive. `tensor` must be one of this file's `tensors`, unmodified.
    public func bytes(of tensor: GGUFTensorInfo) throws(GGUFError) -> UnsafeRawBufferPointer {
        guard let i = tensorIndex[tensor.name], tensors[i] == tensor else {
            throw GGUFError(.invalid, field: tensor.name, expected: "a tensor info of this file, unmodified",
                            found: "a tensor info this file does not hold", path: path)
        }
        return UnsafeRawBufferPointer(start: storage.base + dataOffset + tensor.offset, count: tensor.byteCount)
    }

    /// Dequantizes the whole tensor to FP32 (row-major, `dimensions[0]` fastest).
    public func dequantize(_ tensor: GGUFTensorInfo) throws(GGUFError) -> [Float] {
        var out = [Float](repeating: 0, count: tensor.elementCount)
        try out.withUnsafeMutableBufferPointer { (buf) throws(GGUFError) in
            try dequantize(tensor, rows: 0..<tensor.rowCount, into: buf.baseAddress!)
        }
        return out
    }

    /// Dequantizes rows `rows` (a row is `dimensions[0]` values) into `out`, which must hold
    /// `rows.count × dimensions[0]` floats.
    public func dequantize(_ tensor: GGUFTensorInfo, rows: Range<Int>, into out: UnsafeMutablePointer<Float>) throws(GGUFError) {
        guard rows.lowerBound >= 0, rows.upperBound <= tensor.rowCount else {
            throw GGUFError(.invalid, field: tensor.name, expected: "rows within 0..<\(tensor.rowCount)", found: "\(rows)", path: path)
        }
        guard tensor.type.canDequantize else {
            throw GGUFError(.unsupported, field: tensor.name, expected: "a type this reader dequantizes (F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q6_K, Q8_K)",
                            found: "\(tensor.type)", path: path)
        }
        let rowBytes = tensor.rowBytes
        let src = try bytes(of: tensor).baseAddress! + rows.lowerBound * rowBytes
        GGUFDequantizer.convert(tensor.type, src: src, dst: out, count: rows.count * tensor.dimensions[0])
    }
}
