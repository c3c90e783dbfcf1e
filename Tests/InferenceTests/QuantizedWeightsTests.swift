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
}
