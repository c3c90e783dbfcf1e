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
