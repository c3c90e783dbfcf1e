import Foundation
import Testing
import Inference
import Models

/// The real model, end to end. Serialized: one Transformer (and KV cache) shared by the tests.
@Suite("SmolLM2 end to end", .serialized, .enabled(if: TestSupport.modelExists))
struct ModelEndToEndTests {
    var engine: Engine { get throws { try #require(TestSupport.engine) } }

    @Test("greedy ChatML answer to \"What is the capital of France?\" is \"The capital of France is Paris.\"",
          .enabled(if: TestSupport.blockedPathIsFast, "37-token prefill: release build or KTUNE_SLOW_TESTS=1 (see TestSupport)"))
    func capitalOfFrance() throws {
        let e = try engine
        let prompt = e.promptTokens("What is the capital of France?", chat: true)
        var streamed = ""
        let (tokens, stats) = try e.generator.generate(prompt: prompt, maxTokens: 16, sampling: .greedy) { streamed += $0 }
        let text = e.tokenizer.decode(tokens)
        #expect(text == "The capital of France is Paris.")
        #expect(streamed == text)
        #expect(stats.stopReason == "eos")
        // Every matrix of the file is Q4_1 or Q8_0, multiplied in place by its quantized family.
        #expect(stats.kernels.byFamily["matmul.q4_1"]?.calls ?? 0 > 0)
        #expect(stats.kernels.byFamily["matmul.q8_0"]?.calls ?? 0 > 0)
        #expect(stats.kernels.byFamily["matmul"] == nil)
        #expect(stats.kernels.byFamily["attention.decode"]?.calls ?? 0 > 0)
        #expect(stats.kernels.byFamily["attention.prefill"]?.calls ?? 0 > 0)
    }

    /// Reference: Tests/InferenceTests/reference/llama_ref.py (gguf-py reads and dequantizes the same file;
    /// NumPy runs the forward pass in float64). With FP32 activations: max |Δ| < 1e-3 · max |logit| over
    /// all positions and the same argmax at every position; with the default plan's int8 activations the
    /// looser bound stated below.
    @Test("logits for a fixed prompt match the independent NumPy reference within 1e-3 of the logit range")
    func logitsMatchNumPyReference() throws {
        let e = try engine
        let tokens = e.tokenizer.encode("The quick brown fox jumps over the lazy dog. It")
        let vocab = e.transformer.weights.config.vocabSize
        guard let reference = try TestSupport.referenceLogits(model: TestSupport.modelPath, tokens: tokens) else { return }
        try #require(reference.count == tokens.count * vocab)

        // FP32 activations everywhere: the dequantized model to FP32 rounding.
        let exact = try #require(TestSupport.exactEngine)
        exact.transformer.reset()
        let strict = TestSupport.compare(try exact.transformer.forward(tokens, allLogits: true), reference, vocab: vocab)
        print("SmolLM2 logits vs NumPy reference, FP32 activations: \(strict)")
        #expect(strict.maxDiff < 1e-3 * strict.maxAbs, "FP32 activations: \(strict)")
        #expect(strict.argmaxAgree == strict.positions, "FP32 activations: \(strict)")
        // The default plan: int8 activations (per 32 values) on the decode path, which this 6–11-token
        // prompt takes in every layer. Bound: max |Δ| ≤ 8% of the logit range (measured: 4.6% SmolLM2,
        // 1.9% Qwen2.5) and the reference's choice among our top three at every position.
        e.transformer.reset()
        let planned = TestSupport.compare(try e.transformer.forward(tokens, allLogits: true), reference, vocab: vocab)
        print("SmolLM2 logits vs NumPy reference, planned (int8) activations: \(planned)")
        #expect(planned.maxDiff < 0.08 * planned.maxAbs, "int8 activations: \(planned)")
        #expect(planned.top3Hits == planned.positions, "int8 activations: \(planned)")
    }

    /// With FP32 activations the two agree to FP32 rounding. With int8 activations they cannot agree that
    /// closely: the prefill and decode attention kernels differ in the last bits, and a last-bit change
    /// moves some values across an int8 rounding boundary (a step of max|x|/127 of their block), which the
    /// following layers carry on; the bound there is 5% of the logit range (measured: 3%).
    @Test("decoding token by token through the KV cache gives the logits of one prefill")
    func incrementalDecodeMatchesPrefill() throws {
        for (e, bound) in [(try #require(TestSupport.exactEngine), Float(1e-4)), (try engine, Float(0.05))] {
            let tokens = e.tokenizer.encode("Once upon a time there was")
            e.transformer.reset()
            let full = try e.transformer.forward(tokens)
            e.transformer.reset()
            _ = try e.transformer.forward(Array(tokens.prefix(2)))
            var last: [Float] = []
            for t in tokens.dropFirst(2) { last = try e.transformer.forward([t]) }
            let scale = full.map(abs).max() ?? 1
            let diff = zip(full, last).map { abs($0 - $1) }.max() ?? 0
            #expect(diff < bound * scale, "\(e.transformer.runner.plan.activations) activations: max |Δ| \(diff) of \(scale)")
        }
    }

    @Test("seeded sampling is reproducible and a full context is a typed error")
    func seededSamplingAndContextLimit() throws {
        let e = try engine
        let prompt = e.promptTokens("Tell me a story.", chat: false)   // short: skinny path, fast in debug
        let opts = SamplingOptions(temperature: 0.9, topK: 40, topP: 0.95, seed: 7)
        let a = try e.generator.generate(prompt: prompt, maxTokens: 6, sampling: opts, stopTokens: []).tokens
        let b = try e.generator.generate(prompt: prompt, maxTokens: 6, sampling: opts, stopTokens: []).tokens
        #expect(a == b)
        #expect(a.count == 6)
        e.transformer.reset()
        #expect(throws: InferenceError.self) { try e.transformer.forward([Int32](repeating: 1, count: 513)) }
        #expect(throws: InferenceError.self) { try e.transformer.forward([60_000]) }
    }

    @Test("the built ktune binary answers the capital question", .enabled(if: TestSupport.blockedPathIsFast))
    func builtBinaryAnswers() throws {
        // The ktune product is built next to this test bundle (whatever the scratch path and configuration).
        var dir = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        while !FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("ktune").path) && dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        let binary = dir.appendingPathComponent("ktune").path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build the ktune product first")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.currentDirectoryURL = TestSupport.root
        p.arguments = ["generate", "--chat", "--prompt", "What is the capital of France?", "--max-tokens", "16",
                       "--temperature", "0", "--threads", "2"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(out.trimmingCharacters(in: .whitespacesAndNewlines) == "The capital of France is Paris.")
    }
}
