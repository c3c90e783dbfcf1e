import Foundation
import Testing
import Inference
import Models

/// The real models keep every matrix in its GGUF block format, read in place from the file's mapping.
@Suite("Quantized weights in place", .enabled(if: TestSupport.modelExists))
struct QuantizedWeightsTests {
    @Test("no matrix of SmolLM2 or Qwen2.5 is held as FP32; the mapped bytes are the file's tensor bytes")
    func everyMatrixQuantized() throws {
        for (engine, path) in [(TestSupport.engine, TestSupport.modelPath), (TestSupport.qwen, TestSupport.qwenPath)] {
            guard let e = engine else { continue }
            let w = e.transformer.weights
            let allQuantized = w.matrices.allSatisfy { $0.isQuantized }
            #expect(allQuantized, "\(path): \(w.storageSummary)")
            let file = try GGUFFile(path: path)
            let fileBytes = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
            #expect(w.bytes <= fileBytes, "\(w.bytes) bytes of weights for a \(fileBytes)-byte file")
            #expect(w.mapping != nil && file.tensors.count > 0)
        }
    }

    @Test("a huge-page copy holds the file's bytes exactly and says which residency it got")
    func hugePageCopy() throws {
        let path = TestSupport.modelPath
        let mapped = try GGUFFile(path: path, residency: .mapped)
        let copy = try GGUFFile(path: path, residency: .hugePages)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        #expect(mapped.residency == .mapped)
        // Where the machine offers no transparent huge pages (or too little memory) the file is mapped.
        #expect(copy.residency == GGUFResidency.hugePages.effective(for: size))
        #expect(GGUFResidency.mapped.effective(for: size) == .mapped)
        #expect(copy.tensors.count == mapped.tensors.count)
        for t in mapped.tensors {
            let a = try mapped.bytes(of: t), b = try copy.bytes(of: t)
            #expect(a.count == b.count && memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0, "\(t.name) differs")
        }
    }
}
