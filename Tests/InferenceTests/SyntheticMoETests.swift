import Testing
import Inference
import Kernels
import Models

@Suite("Synthetic MoE")
struct SyntheticMoETests {
    @Test("synthetic weights are deterministic per seed")
    func deterministicWeights() throws {
        let c = try TestSupport.moeMini(layers: 2)
        let a = try TransformerWeights.synthetic(c, seed: 5), b = try TransformerWeights.synthetic(c, seed: 5)
        let d = try TransformerWeights.synthetic(c, seed: 6)
        guard case .moe(let ma) = a.layers[1].ffn, case .moe(let mb) = b.layers[1].ffn, case .moe(let md) = d.layers[1].ffn else {
            Issue.record("layer 1 should be MoE (first_k_dense_replace = 1)"); return
        }
        #expect(ma.gate.array.prefix(64) == mb.gate.array.prefix(64))
        #expect(ma.gate.array.prefix(64) != md.gate.array.prefix(64))
        #expect(a.synthetic)
        guard case .dense = a.layers[0].ffn else { Issue.record("layer 0 should be dense"); return }
    }

    @Test("deepseek-moe-mini generates through expert-gather and the shared expert, deterministically",
          .enabled(if: TestSupport.modelExists))
    func moeGeneratesWithExpertGather() throws {
        let file = try GGUFFile(path: TestSupport.modelPath)
        let tokenizer = try Tokenizer(gguf: file)
        let plan = KernelPlan(config: nil, machine: TestSupport.traits, threads: 2)
        let engine = try Engine(synthetic: try TestSupport.moeMini(), seed: 1, tokenizer: tokenizer, plan: plan,
                                pool: TestSupport.pool, contextLength: 64)
        let prompt = engine.promptTokens("Hello there", chat: false)
        let (a, stats) = try engine.generator.generate(prompt: prompt, maxTokens: 4, sampling: .greedy, stopTokens: [])
        let (b, _) = try engine.generator.generate(prompt: prompt, maxTokens: 4, sampling: .greedy, stopTokens: [])
        #expect(a.count == 4)
        #expect(a == b)
        // 3 MoE layers × (1 prefill + 3 decode forwards).
        #expect(stats.kernels.byFamily["expert-gather"]?.calls == 12)
        #expect(stats.kernels.byFamily["matmul"]?.calls ?? 0 > 0)
    }
}
