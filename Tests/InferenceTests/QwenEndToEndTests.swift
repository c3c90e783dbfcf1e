import Foundation
import Testing
import Inference
import Models

/// Qwen2.5-Coder-0.5B-Instruct Q4_K_M (architecture qwen2: q/k/v bias, NeoX RoPE, separate output matrix,
/// Q5_0/Q8_0/Q4_K/Q6_K matrices), end to end. Skipped when the model is not fetched (scripts/fetch-qwen.sh;
/// scripts/setup.sh, which CI runs, fetches it).
@Suite("Qwen2 end to end", .serialized, .enabled(if: TestSupport.qwenExists && TestSupport.blockedPathIsFast,
                                                 "needs models/ Qwen file (scripts/fetch-qwen.sh) and a release build"))
struct QwenEndToEndTests {
    var engine: Engine { get throws { try #require(TestSupport.qwen) } }

    @Test("the file loads as qwen2 with biases, NeoX RoPE and an untied output matrix")
    func architecture() throws {
        let c = try engine.transformer.weights.config
        #expect(c.modelType == "qwen2" && c.ropeNeoX && c.attentionBias)
        #expect(c.tieWordEmbeddings == false)
        #expect(c.hiddenSize == 896 && c.numHiddenLayers == 24 && c.numKeyValueHeads == 2 && c.ropeTheta == 1_000_000)
        #expect(try engine.transformer.weights.layers.allSatisfy { $0.qkvBias != nil })
    }

    /// Reference: reference/llama_ref.py (gguf-py dequantizes, NumPy float64). Tolerance as for SmolLM2.
    @Test("logits for a fixed prompt match the independent NumPy reference")
    func logitsMatchNumPyReference() throws {
        let e = try engine
        let tokens = e.tokenizer.encode("def fib(n):\n    return")
        let vocab = e.transformer.weights.config.vocabSize
        guard let reference = try TestSupport.referenceLogits(model: TestSupport.qwenPath, tokens: tokens) else { return }
        try #require(reference.count == tokens.count * vocab)
        // FP32 activations everywhere: the dequantized model to FP32 rounding.
        let exact = try #require(TestSupport.exactQwen)
        exact.transformer.reset()
        let strict = TestSupport.compare(try exact.transformer.forward(tokens, allLogits: true), reference, vocab: vocab)
        print("Qwen logits vs NumPy reference, FP32 activations: \(strict)")
        #expect(strict.maxDiff < 1e-3 * strict.maxAbs, "FP32 activations: \(strict)")
        #expect(strict.argmaxAgree == strict.positions, "FP32 activations: \(strict)")
        // The default plan: int8 activations (per 32 values) on the decode path, which this 6–11-token
        // prompt takes in every layer. Bound: max |Δ| ≤ 8% of the logit range (measured: 4.6% SmolLM2,
        // 1.9% Qwen2.5) and the reference's choice among our top three at every position.
        e.transformer.reset()
        let planned = TestSupport.compare(try e.transformer.forward(tokens, allLogits: true), reference, vocab: vocab)
        print("Qwen logits vs NumPy reference, planned (int8) activations: \(planned)")
        #expect(planned.maxDiff < 0.08 * planned.maxAbs, "int8 activations: \(planned)")
        #expect(planned.top3Hits == planned.positions, "int8 activations: \(planned)")
    }

    @Test("greedy ChatML answer to the capital question names Paris and ends at <|im_end|>")
    func capitalOfFrance() throws {
        let e = try engine
        let prompt = e.promptTokens("What is the capital of France?", chat: true)
        let (tokens, stats) = try e.generator.generate(prompt: prompt, maxTokens: 24, sampling: .greedy)
        let text = e.tokenizer.decode(tokens)
        print("Qwen answer: \(text.debugDescription)")
        #expect(text.contains("Paris"))
        #expect(stats.stopReason == "eos")
    }
}
