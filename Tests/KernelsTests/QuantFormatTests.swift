import Foundation
import Testing
@testable import Kernels

/// Block formats: the reference dequantizer is bit-identical to gguf-py 0.19.0 (`gguf.quants.dequantize`),
/// and malformed matrices are refused with typed errors before any work.
@Suite struct QuantFormatTests {
    static let script = """
    import sys, numpy as np, gguf
    path, out, qtype, rows = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    data = np.fromfile(path, dtype=np.uint8).reshape(rows, -1)
    gguf.quants.dequantize(data, gguf.GGMLQuantizationType(qtype)).astype(np.float32).tofile(out)
    """

    @Test("the reference dequantizer is bit-identical to gguf-py", arguments: QuantFormat.allCases)
    func matchesGGUFPy(format: QuantFormat) throws {
        let rows = 3, cols = 768
        let s = try QuantizedMatrixStorage(format: format, rows: rows, cols: cols, seed: 42 + UInt64(format.rawValue))
        let dir = FileManager.default.temporaryDirectory
        let tag = "\(getpid())-\(format.name)"
        let input = dir.appendingPathComponent("ktune-q-\(tag).bin"), output = dir.appendingPathComponent("ktune-q-\(tag).f32")
        let py = dir.appendingPathComponent("ktune-q-\(tag).py")
        defer { for u in [input, output, py] { try? FileManager.default.removeItem(at: u) } }
        try Data(bytes: s.bytes, count: s.matrixBytes).write(to: input)
        try Self.script.write(to: py, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", py.path, input.path, output.path, "\(format.ggmlType)", "\(rows)"]
        let err = Pipe()
        p.standardError = err
        try p.run()
        p.waitUntilExit()
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        try #require(p.terminationStatus == 0, "gguf-py reference failed (scripts/setup.sh installs numpy and gguf): \(errText)")
        let data = try Data(contentsOf: output)
        let theirs: [Float] = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        try #require(theirs.count == rows * cols)
        var ours = [Float](repeating: .nan, count: rows * cols)
        let w = s.matrix()
        ours.withUnsafeMutableBufferPointer { b in for r in 0..<rows { w.dequantizeRow(r, into: b.baseAddress! + r * cols) } }
        var mismatches = 0
        for i in 0..<(rows * cols) where ours[i].bitPattern != theirs[i].bitPattern { mismatches += 1 }
        #expect(mismatches == 0, "\(format): \(mismatches) values differ from gguf-py")
        #expect(ours.contains { $0 != 0 })
    }

    @Test("malformed matrices are refused with typed errors")
    func validation() throws {
        let buf = UnsafeMutableRawPointer.allocate(byteCount: 1 << 16, alignment: 64)
        defer { buf.deallocate() }
        #expect(throws: QuantizedMatrixError.rowNotWholeBlocks(format: .q4_K, cols: 288, blockElements: 256)) {
            try QuantizedMatrix(format: .q4_K, rows: 1, cols: 288, data: buf, byteCount: 1 << 16)
        }
        #expect(throws: QuantizedMatrixError.rowNotWholeBlocks(format: .q4_1, cols: 48, blockElements: 32)) {
            try QuantizedMatrix(format: .q4_1, rows: 2, cols: 48, data: buf, byteCount: 1 << 16)
        }
        #expect(throws: QuantizedMatrixError.bufferTooShort(format: .q8_0, needed: 3 * 34 * 2, available: 203)) {
            try QuantizedMatrix(format: .q8_0, rows: 3, cols: 64, data: buf, byteCount: 203)
        }
        #expect(throws: QuantizedMatrixError.unknownType(id: 7)) {
            try QuantizedMatrix(ggmlType: 7, rows: 1, cols: 32, data: buf, byteCount: 1 << 16)
        }
        #expect(throws: QuantizedMatrixError.misaligned(format: .q6_K, address: UInt(bitPattern: buf + 1), alignment: 2)) {
            try QuantizedMatrix(format: .q6_K, rows: 1, cols: 256, data: buf + 1, byteCount: 1000)
        }
        #expect(throws: QuantizedMatrixError.invalidShape(rows: 0, cols: 32)) {
            try QuantizedMatrix(format: .q4_0, rows: 0, cols: 32, data: buf, byteCount: 1 << 16)
        }
        #expect(throws: QuantizedMatrixError.invalidShape(rows: 1 << 31, cols: 1 << 20)) {
            try QuantizedMatrix(format: .q8_0, rows: 1 << 31, cols: 1 << 20, data: buf, byteCount: Int.max)
        }
        let ok = try QuantizedMatrix(format: .q4_K, rows: 2, cols: 512, data: buf, byteCount: 2 * 2 * 144)
        #expect(ok.rowBytes == 288 && ok.byteCount == 576)
        #expect(QuantFormat(name: "Q4_K") == .q4_K && QuantFormat(name: "bf16") == .bf16 && QuantFormat(name: "q5_1") == nil)
    }
}
