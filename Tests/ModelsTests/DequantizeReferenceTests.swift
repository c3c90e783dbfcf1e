import Foundation
import Testing
import Models

/// The dequantizer against gguf-py's `gguf.quants.dequantize` (reference/dequant_ref.py), bit for bit, on
/// real tensors of every block format the two bundled models use.
@Suite("Dequantization vs gguf-py")
struct DequantizeReferenceTests {
    static let rows = 8

    /// Dequantizes `names`' first rows with gguf-py; nil (SKIPPED) without python3 + numpy + gguf.
    func reference(_ path: String, _ names: [String]) throws -> [Float]? {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ktune-deq-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).f32").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", root.appendingPathComponent("reference/dequant_ref.py").path, path, out, "\(Self.rows)"] + names
        let err = Pipe()
        p.standardError = err
        do { try p.run() } catch { print("SKIPPED dequantization reference: no python3 (\(error))"); return nil }
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        if p.terminationStatus != 0 && errText.contains("No module named") {
            print("SKIPPED dequantization reference: python3 with numpy and gguf is required")
            return nil
        }
        try #require(p.terminationStatus == 0, "dequant_ref.py failed: \(errText)")
        let data = try Data(contentsOf: URL(fileURLWithPath: out))
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    func check(_ file: GGUFFile, _ names: [String], types: Set<GGUFTensorType>) throws {
        let path = try #require(file.path)
        guard let ref = try reference(path, names) else { return }
        var seen: Set<GGUFTensorType> = []
        var offset = 0
        for n in names {
            let t = try file.tensor(n)
            seen.insert(t.type)
            let rows = min(Self.rows, t.rowCount), count = rows * t.dimensions[0]
            var mine = [Float](repeating: .nan, count: count)
            try mine.withUnsafeMutableBufferPointer { (b) throws(GGUFError) in try file.dequantize(t, rows: 0..<rows, into: b.baseAddress!) }
            try #require(offset + count <= ref.count)
            let mismatches = (0..<count).filter { mine[$0].bitPattern != ref[offset + $0].bitPattern }
            #expect(mismatches.isEmpty, "\(n) (\(t.type)): \(mismatches.count) of \(count) values differ, first at \(mismatches.first ?? -1)")
            offset += count
        }
        #expect(seen == types)
    }

    @Test("Q8_0, Q4_1 and F32 tensors of SmolLM2 dequantize bit-exactly as gguf-py does", .enabled(if: TestModel.exists))
    func smolLM() throws {
        let f = try #require(TestModel.file)
        try check(f, ["token_embd.weight", "blk.0.attn_q.weight", "blk.0.ffn_down.weight", "blk.0.attn_norm.weight"],
                  types: [.q8_0, .q4_1, .f32])
    }

    @Test("Q5_0, Q8_0, Q4_K, Q6_K and F32 tensors of Qwen2.5 dequantize bit-exactly as gguf-py does",
          .enabled(if: QwenModel.exists, "fetch the model with scripts/fetch-qwen.sh"))
    func qwen() throws {
        let f = try #require(QwenModel.file)
        let names = f.tensors.map(\.name)
        // The first tensor of each type in the file.
        var pick: [GGUFTensorType: String] = [:]
        for n in names { if let t = try? f.tensor(n), pick[t.type] == nil { pick[t.type] = n } }
        try check(f, pick.values.sorted(), types: [.q5_0, .q8_0, .q4_K, .q6_K, .f32])
    }
}
