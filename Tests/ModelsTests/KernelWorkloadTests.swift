import Foundation
import Testing
import KernelContract
@testable import Models

@Suite struct KernelWorkloadTests {
    let catalog = ModelCatalog()

    func find(_ list: [KernelWorkload], _ key: String) -> KernelWorkload? {
        list.first { $0.shapeKey == key }
    }

    @Test func smolLMPrefillYieldsProjectionFFNHeadAndAttentionShapes() throws {
        let model = try catalog.load(id: "smollm2-135m")
        let list = OpGraph.cpuWorkloads(model: model, phase: .prefill(tokens: 512, past: 0))
        let qo = try #require(find(list, "512x576x576"))
        #expect(qo.family == .matmul && qo.names == ["q_proj", "o_proj"] && qo.callsPerForward == 60)
        let kv = try #require(find(list, "512x192x576"))
        #expect(kv.names == ["k_proj", "v_proj"] && kv.callsPerForward == 60)
        let gateUp = try #require(find(list, "512x1536x576"))
        #expect(gateUp.names == ["gate_proj", "up_proj"] && gateUp.callsPerForward == 60)
        let down = try #require(find(list, "512x576x1536"))
        #expect(down.names == ["down_proj"] && down.callsPerForward == 30)
        let head = try #require(find(list, "1x49152x576"))
        #expect(head.names == ["lm_head"] && head.callsPerForward == 1)
        let attention = try #require(find(list, "T=512,past=0,h=9,kv=3,d=64"))
        #expect(attention.family == .attentionPrefill && attention.callsPerForward == 30)
        #expect(list.count == 6)
    }

    @Test func smolLMDecodeRunsAttentionOncePerSequencePerLayer() throws {
        let model = try catalog.load(id: "smollm2-135m")
        let list = OpGraph.cpuWorkloads(model: model, phase: .decode(batch: 4, context: 100))
        #expect(find(list, "4x576x576") != nil)
        #expect(find(list, "4x49152x576")?.callsPerForward == 1)
        let attention = try #require(find(list, "L=101,h=9,kv=3,d=64"))
        #expect(attention.family == .attentionDecode && attention.callsPerForward == 120)
    }

    @Test func miniMoEIncludesExpertGatherRouterAndSharedExpert() throws {
        let model = try catalog.load(id: "deepseek-moe-mini")
        let list = OpGraph.cpuWorkloads(model: model, phase: .decode(batch: 1, context: 7))
        let gather = try #require(find(list, "T=1,h=512,f=256,e=64,k=6"))
        #expect(gather.family == .expertGather && gather.callsPerForward == 3)
        #expect(find(list, "1x64x512")?.names == ["gate"])
        let shared = try #require(find(list, "1x256x512"))
        #expect(shared.names == ["shared_experts.gate_proj", "shared_experts.up_proj"] && shared.callsPerForward == 6)
        #expect(find(list, "1x512x256")?.callsPerForward == 3)
        // The first layer is dense: its FFN runs once.
        #expect(find(list, "1x1536x512")?.callsPerForward == 2)
        #expect(find(list, "1x512x1536")?.callsPerForward == 1)
        // q/k/v/o all have 512 × 512 weights (8 heads × 64 = 8 KV heads × 64 = hidden).
        #expect(find(list, "1x512x512")?.callsPerForward == 16)
        #expect(find(list, "L=8,h=8,kv=8,d=64")?.callsPerForward == 4)
    }

    @Test func shapeKeysFollowTheRegistryGrammar() {
        #expect(KernelWorkload(kind: .matmul(m: 1, n: 576, k: 576), names: [], callsPerForward: 1).shapeKey == "1x576x576")
        let moe = KernelWorkload(kind: .expertGather(tokens: 128, hidden: 512, ffn: 256, experts: 64, topK: 6),
                                 names: [], callsPerForward: 1)
        #expect(moe.shapeKey == "T=128,h=512,f=256,e=64,k=6")
    }

    @Test func mlaModelsYieldProjectionsButNoGQAAttention() throws {
        let model = try catalog.load(id: "deepseek-v3")
        let list = OpGraph.cpuWorkloads(model: model, phase: .decode(batch: 1, context: 10))
        #expect(!list.contains { $0.family.rawValue.hasPrefix("attention") })
        #expect(find(list, "1x1536x7168")?.names == ["q_a_proj"])
        #expect(!list.contains { $0.names.contains("q_absorb") })
    }
}
