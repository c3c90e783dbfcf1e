import Foundation
import Testing
@testable import Models

@Suite struct OpGraphTests {
    let catalog = ModelCatalog()

    @Test func denseDecodeCostsTwoFLOPsPerParameterPerToken() throws {
        let model = try catalog.load(id: "llama-3-70b")
        let graph = OpGraph(model: model, workload: .decode(batch: 4, context: 16))
        // Llama-3-70B: 70.55B parameters (HF model card: 70B).
        #expect(abs(graph.totalParameters / 70.55e9 - 1) < 0.01)
        let embedding = Double(model.vocabSize * model.hiddenSize)
        let perToken = graph.totalFLOPs / Double(graph.workload.tokens)
        // Every parameter except the embedding lookup is one multiply-add per token.
        let expected = 2 * (graph.totalParameters - embedding)
        #expect(abs(perToken / expected - 1) < 0.01)
    }

    @Test func deepSeekV3HasSixHundredSeventyOneBillionTotalAndThirtySevenActive() throws {
        let graph = OpGraph(model: try catalog.load(id: "deepseek-v3"), workload: .decode(batch: 1, context: 1))
        #expect(abs(graph.totalParameters / 671e9 - 1) < 0.01)
        #expect(abs(graph.activeParameters / 37e9 - 1) < 0.03)
    }

    @Test func kvCachePerTokenMatchesTheAttentionKind() throws {
        let v3 = try catalog.load(id: "deepseek-v3")
        // MLA: (512 + 64) × 61 layers = 35,136 values, 70,272 bytes in BF16.
        #expect(v3.kvCacheElementsPerToken == 35_136)
        let smol = try catalog.load(id: "smollm2-135m")
        #expect(smol.kvCacheElementsPerToken == 2 * 3 * 64 * 30)
        // The attention op reads the whole cache once per decode step.
        let graph = OpGraph(model: v3, workload: .decode(batch: 2, context: 999), precision: .bf16)
        let attention = try #require(graph.ops.first { $0.kind == .attention })
        let cacheBytes: Double = 2.0 * (1000 + 1) * 35_136 * 2
        #expect(attention.kvBytes * Double(attention.count) == cacheBytes)
    }

    @Test func mlaDecodeUsesAbsorbedAttentionOverTheLatent() throws {
        let v3 = try catalog.load(id: "deepseek-v3")
        let decode = OpGraph(model: v3, workload: .decode(batch: 1, context: 4095))
        let names = Set(decode.ops.map(\.name))
        #expect(names.contains("q_absorb") && names.contains("v_up") && !names.contains("kv_b_proj"))
        let attention = try #require(decode.ops.first { $0.kind == .attention })
        // 2 × heads × (576 + 512) × attended (4095 cached + itself).
        let attended: Double = 2.0 * 128 * (576 + 512) * 4096
        #expect(attention.flops == attended)
        let prefill = OpGraph(model: v3, workload: .prefill(tokens: 4, past: 0))
        #expect(prefill.ops.contains { $0.name == "kv_b_proj" })
        // Absorption keeps the parameter count: q_absorb + v_up = kv_b_proj.
        #expect(abs(decode.totalParameters - prefill.totalParameters) < 1)
    }

    @Test func moeLayersCarryDispatchAndCombinePayloads() throws {
        let v3 = try catalog.load(id: "deepseek-v3")
        let graph = OpGraph(model: v3, workload: .decode(batch: 128, context: 100), precision: .fp8)
        let dispatch = graph.payloadBytes(.expertDispatch)
        let combine = graph.payloadBytes(.expertCombine)
        // 58 MoE layers × 128 tokens × 8 experts × 7168 values; FP8 (+ scales) out, BF16 back.
        let pairs: Double = 58.0 * 128 * 8 * 7168
        #expect(abs(dispatch - pairs * (1 + 4.0 / 128)) < 1)
        #expect(combine == pairs * 2)
        let experts = try #require(graph.ops.first { $0.kind == .routedExperts })
        #expect(experts.layers == 3..<61)
        // 1024 expert choices over 256 experts touch nearly all of them.
        let allExperts: Double = 256.0 * 3 * 7168 * 2048
        #expect(experts.weightBytes > 0.98 * allExperts)
    }

    @Test func layersListTheirOwnOps() throws {
        let graph = OpGraph(model: try catalog.load(id: "deepseek-moe-mini"), workload: .decode(batch: 1, context: 4))
        let dense = graph.ops(inLayer: 0).map(\.name), moe = graph.ops(inLayer: 3).map(\.name)
        #expect(dense.contains("down_proj") && !dense.contains("experts"))
        #expect(moe.contains("experts") && moe.contains("dispatch") && moe.contains("shared_experts.down_proj"))
        #expect(!moe.contains("lm_head") && graph.ops(inLayer: 4).isEmpty)
    }

    @Test func mixtralHasFortySevenBillionTotalAndThirteenActive() throws {
        let graph = OpGraph(model: try catalog.load(id: "mixtral-8x7b"), workload: .decode(batch: 1, context: 1))
        // Mistral AI: 46.7B total, 12.9B active per token.
        #expect(abs(graph.totalParameters / 46.7e9 - 1) < 0.01)
        #expect(abs(graph.activeParameters / 12.9e9 - 1) < 0.02)
    }

    @Test func expectedTouchedExpertsFollowsBalancedRouting() {
        #expect(OpGraph.expectedTouchedExperts(experts: 64, topK: 6, tokens: 1) == 6)
        #expect(OpGraph.expectedTouchedExperts(experts: 64, topK: 6, tokens: 0) == 0)
        #expect(OpGraph.expectedTouchedExperts(experts: 64, topK: 6, tokens: 10_000) > 63.99)
    }

    @Test func trainingComputesLogitsForEveryToken() throws {
        let smol = try catalog.load(id: "smollm2-135m")
        let graph = OpGraph(model: smol, workload: .training(sequences: 2, length: 8))
        let head = try #require(graph.ops.first { $0.kind == .lmHead })
        #expect(head.m == 16)
        // Tied embeddings: lm_head shares the embedding's parameters.
        #expect(head.parameters == 0)
        #expect(abs(graph.totalParameters / 134.5e6 - 1) < 0.01)
    }
}
