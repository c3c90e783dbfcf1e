#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Owned, page-aligned bytes holding `copies` identical-shape quantized matrices (benchmarks rotate
/// through copies larger than the last-level cache so that every decode call reads its weights from
/// DRAM, as it does in a model). Filled with valid random blocks: random quant bits, finite positive
/// scales in [2⁻¹⁰, 2⁻⁶), so values stay well inside FP16 range.
public final class QuantizedMatrixStorage: @unchecked Sendable {
    public let format: QuantFormat
    public let rows: Int, cols: Int, copies: Int
    public let bytes: UnsafeMutableRawPointer
    public let matrixBytes: Int

    public init(format: QuantFormat, rows: Int, cols: Int, copies: Int = 1, seed: UInt64 = 1) throws(QuantizedMatrixError) {
        guard rows > 0, cols > 0, copies >= 1, copies <= 1024 else { throw .invalidShape(rows: rows, cols: cols) }
        guard cols % format.blockElements == 0 else {
            throw .rowNotWholeBlocks(format: format, cols: cols, blockElements: format.blockElements)
        }
        let (mb, o1) = format.rowBytes(cols: cols).multipliedReportingOverflow(by: rows)
        guard !o1, mb * copies <= 1 << 36 else { throw .invalidShape(rows: rows, cols: cols) }
        self.format = format; self.rows = rows; self.cols = cols; self.copies = copies; matrixBytes = mb
        var p: UnsafeMutableRawPointer? = nil
        let total = (mb * copies + 4095) / 4096 * 4096
        guard posix_memalign(&p, 1 << 21, max(total, 4096)) == 0, let p else { fatalError("cannot allocate \(total) bytes") }
        #if canImport(Glibc)
        if total >= 1 << 21 { _ = madvise(p, total, 14) }   // MADV_HUGEPAGE: streamed weights, fewer TLB misses
        #endif
        bytes = p
        var random = SplitMix64(seed: seed)
        Self.fill(format, p, blocks: mb / format.blockBytes, random: &random)
        for c in 1..<copies { (p + c * mb).copyMemory(from: p, byteCount: mb) }
    }

    deinit { free(bytes) }

    /// Copy `c` (0 ..< copies) as a validated matrix.
    public func matrix(copy c: Int = 0) -> QuantizedMatrix {
        // The shape and buffer were checked in init, so this cannot fail.
        try! QuantizedMatrix(format: format, rows: rows, cols: cols, data: UnsafeRawPointer(bytes + (c % copies) * matrixBytes),
                             byteCount: matrixBytes)
    }

    static func scale(_ r: inout SplitMix64) -> UInt16 {
        Float16(Float(0x1p-10) * (1 + 15 * Float(r.next() >> 40) / Float(1 << 24))).bitPattern
    }

    static func fill(_ f: QuantFormat, _ p: UnsafeMutableRawPointer, blocks: Int, random r: inout SplitMix64) {
        let bb = f.blockBytes
        for b in 0..<blocks {
            let q = p + b * bb
            var i = 0
            while i + 8 <= bb { q.storeBytes(of: r.next(), toByteOffset: i, as: UInt64.self); i += 8 }
            while i < bb { q.storeBytes(of: UInt8(truncatingIfNeeded: r.next()), toByteOffset: i, as: UInt8.self); i += 1 }
            switch f {
            case .f16:
                q.storeBytes(of: Float16(r.symmetric()).bitPattern, as: UInt16.self)
            case .bf16:
                q.storeBytes(of: UInt16(truncatingIfNeeded: r.symmetric().bitPattern >> 16), as: UInt16.self)
            case .q8_0, .q4_0, .q5_0:
                q.storeBytes(of: scale(&r), as: UInt16.self)
            case .q4_1:
                q.storeBytes(of: scale(&r), as: UInt16.self)
                q.storeBytes(of: (Float16(-8) * Float16(bitPattern: scale(&r))).bitPattern, toByteOffset: 2, as: UInt16.self)
            case .q4_K:
                q.storeBytes(of: scale(&r), as: UInt16.self)
                q.storeBytes(of: scale(&r), toByteOffset: 2, as: UInt16.self)
            case .q6_K:
                q.storeBytes(of: scale(&r), toByteOffset: 208, as: UInt16.self)
            }
        }
    }
}
