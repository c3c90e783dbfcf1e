/// Why a quantized weight matrix was refused. Raised by `QuantizedMatrix.init` before any kernel runs,
/// so a malformed tensor never reaches a hot loop (which is compiled `-Ounchecked`).
public enum QuantizedMatrixError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The GGUF type id is not one of `QuantFormat`'s.
    case unknownType(id: UInt32)
    /// `rows` or `cols` is not positive, or the matrix is larger than the kernels index (2⁴⁰ bytes).
    case invalidShape(rows: Int, cols: Int)
    /// A row of `cols` values is not a whole number of `blockElements`-value blocks (K-quants: 256).
    case rowNotWholeBlocks(format: QuantFormat, cols: Int, blockElements: Int)
    /// The buffer holds fewer bytes than rows × (cols / blockElements) × blockBytes.
    case bufferTooShort(format: QuantFormat, needed: Int, available: Int)
    /// The first block is not aligned to the format's alignment.
    case misaligned(format: QuantFormat, address: UInt, alignment: Int)

    public var description: String {
        switch self {
        case let .unknownType(id):
            return "unknown or unsupported weight type id \(id); supported: "
                + QuantFormat.allCases.map { "\($0) (\($0.rawValue))" }.joined(separator: ", ")
        case let .invalidShape(r, c):
            return "weight shape rows=\(r) cols=\(c): both must be positive and the matrix under 2^40 bytes"
        case let .rowNotWholeBlocks(f, c, b):
            return "\(f) row length cols=\(c) is not a multiple of the block size \(b)"
        case let .bufferTooShort(f, n, a):
            return "\(f) weight buffer holds \(a) bytes, the shape needs \(n)"
        case let .misaligned(f, addr, a):
            return "\(f) weight data at 0x\(String(addr, radix: 16)) is not \(a)-byte aligned"
        }
    }
}

/// A Linear layer's weight W [rows × cols] = [out features N × in features K] kept in its GGUF block
/// encoding: `rows` consecutive rows of `format.rowBytes(cols:)` bytes each (a GGUF tensor with
/// ne0 = cols, ne1 = rows). The kernels compute y = x·Wᵀ from these bytes directly.
///
/// It does not own the bytes: `data` points into a memory-mapped GGUF file or a buffer that the caller
/// keeps alive for as long as the matrix is used (`QuantizedMatrixStorage` owns a copy when needed).
/// Every check happens in `init`: after it, any row and block index below the shape is in bounds.
public struct QuantizedMatrix: @unchecked Sendable {
    public let format: QuantFormat
    /// Output features (N).
    public let rows: Int
    /// Input features (K), a multiple of `format.blockElements`.
    public let cols: Int
    /// The first block.
    public let data: UnsafeRawPointer
    /// Bytes of one row.
    public let rowBytes: Int

    /// Wraps `byteCount` bytes at `data` as a rows × cols matrix of `format`; throws before reading anything.
    public init(format: QuantFormat, rows: Int, cols: Int, data: UnsafeRawPointer, byteCount: Int) throws(QuantizedMatrixError) {
        guard rows > 0, cols > 0, rows <= 1 << 32, cols <= 1 << 32 else { throw .invalidShape(rows: rows, cols: cols) }
        guard cols % format.blockElements == 0 else {
            throw .rowNotWholeBlocks(format: format, cols: cols, blockElements: format.blockElements)
        }
        let rowBytes = format.rowBytes(cols: cols)
        let (needed, overflow) = rowBytes.multipliedReportingOverflow(by: rows)
        guard !overflow, needed <= 1 << 40 else { throw .invalidShape(rows: rows, cols: cols) }
        guard byteCount >= needed else { throw .bufferTooShort(format: format, needed: needed, available: byteCount) }
        let address = UInt(bitPattern: data)
        guard address % UInt(format.alignment) == 0 else {
            throw .misaligned(format: format, address: address, alignment: format.alignment)
        }
        self.format = format; self.rows = rows; self.cols = cols; self.data = data; self.rowBytes = rowBytes
    }

    /// The same from a GGUF tensor type id (throws `unknownType` for types the kernels do not read).
    public init(ggmlType: UInt32, rows: Int, cols: Int, data: UnsafeRawPointer, byteCount: Int) throws(QuantizedMatrixError) {
        try self.init(format: QuantFormat(ggmlType: ggmlType), rows: rows, cols: cols, data: data, byteCount: byteCount)
    }

    /// Bytes the kernels read per full pass over the matrix.
    public var byteCount: Int { rows * rowBytes }

    /// Row `r` dequantized into `out` (cols values) with the reference dequantizer (embedding lookup).
    public func dequantizeRow(_ r: Int, into out: UnsafeMutablePointer<Float>) {
        precondition(r >= 0 && r < rows, "row \(r) outside 0..<\(rows)")
        QuantReference.dequantize(format, data + r * rowBytes, count: cols, into: out)
    }
}
