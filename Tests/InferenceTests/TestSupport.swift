import Foundation
import Inference
import Kernels
import Models

/// Shared fixtures: the default model loaded once (dequantizing it takes a second and 540 MB).
enum TestSupport {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let modelPath = root.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
    static var modelExists: Bool { FileManager.default.fileExists(atPath: modelPath) }

    /// Prompts over 16 tokens take the kernels' blocked matmul path, whose generic micro-kernels are not
    /// specialized in a debug (non-WMO) build and run ~1000× slower there (a 37-token prefill takes minutes).
    /// Tests that need it run in release builds (`swift test -c release`) or with KTUNE_SLOW_TESTS=1.
    static var blockedPathIsFast: Bool {
        #if DEBUG
        return ProcessInfo.processInfo.environment["KTUNE_SLOW_TESTS"] == "1"
        #else
        return true
        #endif
    }

    /// Logits of every position of `tokens` from the independent NumPy/gguf-py reference
    /// (reference/llama_ref.py), [T × vocab]; nil (with a SKIPPED line) when python3 with numpy and gguf
    /// is not available.
    static func referenceLogits(model: String, tokens: [Int32]) throws -> [Float]? {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ktune-ref-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).f32").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let script = root.appendingPathComponent("Tests/InferenceTests/reference/llama_ref.py").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, model, out] + tokens.map(String.init)
        let errPipe = Pipe()
        p.standardError = errPipe
        do { try p.run() } catch {
            print("SKIPPED logits reference: python3 not runnable (\(error))")
            return nil
        }
        let errData = errPipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let errText = String(decoding: errData, as: UTF8.self)
        if p.terminationStatus != 0 && (errText.contains("No module named") || errText.contains("not found")) {
            print("SKIPPED logits reference: python3 with numpy and gguf is required (\(errText.suffix(200)))")
            return nil
        }
        guard p.terminationStatus == 0 else { throw ReferenceFailure(message: "llama_ref.py failed: \(errText)") }
        let data = try Data(contentsOf: URL(fileURLWithPath: out))
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    /// How logits [positions × vocab] compare with a reference: max |Δ|, max |reference|, the positions
    /// whose argmax agrees, and those where the reference's top token is among our top three.
    struct LogitsComparison: CustomStringConvertible {
        var maxDiff: Float = 0, maxAbs: Float = 0
        var argmaxAgree = 0, top3Hits = 0, positions = 0
        var description: String {
            "max |Δ| \(maxDiff) of max |logit| \(maxAbs); argmax agrees at \(argmaxAgree)/\(positions), reference top-1 in our top-3 at \(top3Hits)/\(positions)"
        }
    }

    static func compare(_ ours: [Float], _ reference: [Float], vocab: Int) -> LogitsComparison {
        var c = LogitsComparison()
        c.positions = reference.count / vocab
        for i in 0..<min(ours.count, reference.count) {
            c.maxDiff = max(c.maxDiff, abs(ours[i] - reference[i]))
            c.maxAbs = max(c.maxAbs, abs(reference[i]))
        }
        for t in 0..<c.positions {
            let a = ours[(t * vocab)..<((t + 1) * vocab)], b = reference[(t * vocab)..<((t + 1) * vocab)]
            guard let best = b.indices.max(by: { b[$0] < b[$1] }) else { continue }
            if a.indices.max(by: { a[$0] < a[$1] }) == best { c.argmaxAgree += 1 }
            if a.filter({ $0 > a[best] }).count < 3 { c.top3Hits += 1 }
        }
        return c
    }

    struct ReferenceFailure: Error, CustomStringConvertible { var message: String; var description: String { message } }

    static let traits = MachineTraits.fallback(cores: 2, maxSIMDLanes: HostCPU.maxSIMDLanes)
    static let pool = WorkerPool(threads: 2)

    /// The default model on the analytical-default plan. Tests using it run in one serialized suite.
    nonisolated(unsafe) static let engine: Engine? = {
        guard modelExists else { return nil }
        let plan = KernelPlan(config: nil, machine: traits, threads: 2)
        return try? Engine(modelPath: modelPath, plan: plan, pool: pool, contextLength: 512)
    }()

    /// The second model (scripts/fetch-qwen.sh; scripts/setup.sh fetches it for CI).
    static let qwenPath = root.appendingPathComponent("models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf").path
    static var qwenExists: Bool { FileManager.default.fileExists(atPath: qwenPath) }

    /// The default model with FP32 activations in every quantized matmul (`KernelPlan.Activations.fp32`):
    /// the dequantized model's forward pass to FP32 rounding, what the NumPy reference checks exactly.
    nonisolated(unsafe) static let exactEngine: Engine? = {
        guard modelExists else { return nil }
        let plan = KernelPlan(config: nil, machine: traits, threads: 2, activations: .fp32)
        return try? Engine(modelPath: modelPath, plan: plan, pool: pool, contextLength: 512)
    }()

    /// Qwen2.5-Coder-0.5B with FP32 activations (see `exactEngine`).
    nonisolated(unsafe) static let exactQwen: Engine? = {
        guard qwenExists else { return nil }
        let plan = KernelPlan(config: nil, machine: traits, threads: 2, activations: .fp32)
        return try? Engine(modelPath: qwenPath, plan: plan, pool: pool, contextLength: 512)
    }()

    /// Qwen2.5-Coder-0.5B on the analytical-default plan, loaded once.
    nonisolated(unsafe) static let qwen: Engine? = {
        guard qwenExists else { return nil }
        let plan = KernelPlan(config: nil, machine: traits, threads: 2)
        return try? Engine(modelPath: qwenPath, plan: plan, pool: pool, contextLength: 512)
    }()

    /// The `deepseek-moe-mini` architecture (profiles/models/deepseek-moe-mini.json), inlined so the test
    /// does not depend on where the profiles directory is.
    static func moeMini(layers: Int = 4) throws -> ModelConfig {
        let json = """
        {"id": "deepseek-moe-mini", "name": "deepseek-moe-mini (SYNTHETIC)", "model_type": "deepseek_moe_mini",
         "source": "SYNTHETIC test copy of profiles/models/deepseek-moe-mini.json",
         "hidden_size": 512, "intermediate_size": 1536, "num_hidden_layers": \(layers), "num_attention_heads": 8,
         "num_key_value_heads": 8, "head_dim": 64, "first_k_dense_replace": 1, "n_routed_experts": 64,
         "n_shared_experts": 1, "num_experts_per_tok": 6, "moe_intermediate_size": 256, "vocab_size": 49152,
         "rms_norm_eps": 1e-05, "rope_theta": 100000.0, "max_position_embeddings": 8192, "tie_word_embeddings": true}
        """
        return try JSONDecoder().decode(ModelConfig.self, from: Data(json.utf8))
    }
}
