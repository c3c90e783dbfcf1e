import Foundation
import Testing
import KernelContract
import Models
@testable import Tuner

@Suite("WorkloadPlanner")
struct WorkloadPlannerTests {
    @Test("prefill is tuned at its buckets and decode attention at each length, all bucket representatives")
    func bucketsAndLengths() throws {
        let model = try ModelCatalog().load(id: "smollm2-135m")
        let targets = WorkloadPlanner.targets(model: model)
        let matmulRows = Set(targets.filter { $0.kernel == .matmul }.compactMap { try? MatmulShape(key: $0.shape).m })
        #expect(matmulRows == [1, 64, 512])
        let lengths = targets.filter { $0.kernel == .attentionDecode }.compactMap { try? AttentionDecodeShape(key: $0.shape).length }
        #expect(lengths == WorkloadPlanner.defaultDecodeLengths)
        let prefill = targets.filter { $0.kernel == .attentionPrefill }.compactMap { try? AttentionPrefillShape(key: $0.shape).tokens }
        #expect(prefill == WorkloadPlanner.defaultPrefillBuckets)
        // Every tuned shape is its own bucket's representative, so runtime shapes of that bucket find it.
        for t in targets {
            let shape: any KernelShape
            switch t.kernel {
            case .matmul: shape = try MatmulShape(key: t.shape)
            case .attentionPrefill: shape = try AttentionPrefillShape(key: t.shape)
            case .attentionDecode: shape = try AttentionDecodeShape(key: t.shape)
            default: continue
            }
            #expect(shape.bucketKey == t.shape, "\(t)")
        }
        // Decode matmuls appear once, used by every decode length.
        let q = try #require(targets.first { $0.shape == "1x576x576" })
        #expect(q.uses.filter { $0.hasPrefix("decode") }.count == WorkloadPlanner.defaultDecodeLengths.count)
    }
}

/// The real GGUF file's matmuls as the inference core calls them (weights quantized, q/k/v and gate/up fused).
@Suite("WorkloadPlanner on a GGUF file")
struct QuantizedTargetsTests {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path

    @Test("SmolLM2 Q4_1: fused matmul.q4_1 shapes per M, the output matrix in matmul.q8_0, no FP32 matmuls",
          .enabled(if: FileManager.default.fileExists(atPath: path)))
    func smolLM2() throws {
        let file = try GGUFFile(path: Self.path)
        let base = WorkloadPlanner.targets(model: try ModelConfig(gguf: file))
        let targets = WorkloadPlanner.quantizedTargets(base, gguf: file)
        #expect(!targets.contains { $0.kernel == .matmul }, "\(targets.filter { $0.kernel == .matmul })")
        let q41 = Set(targets.filter { $0.kernel.rawValue == "matmul.q4_1" }.map(\.shape))
        for m in [1, 64, 512] {
            for nk in ["960x576", "576x576", "3072x576", "576x1536"] { #expect(q41.contains("\(m)x\(nk)"), "\(m)x\(nk) in \(q41)") }
        }
        let q80 = targets.filter { $0.kernel.rawValue == "matmul.q8_0" }.map(\.shape)
        #expect(q80 == ["1x49152x576"])
        // Attention targets pass through unchanged.
        #expect(targets.filter { $0.kernel == .attentionDecode }.count == base.filter { $0.kernel == .attentionDecode }.count)
        // 30 layers call each fused q/k/v shape once per forward.
        #expect(targets.first { $0.kernel.rawValue == "matmul.q4_1" && $0.shape == "1x960x576" }?.callsPerForward == 30)
    }
}
