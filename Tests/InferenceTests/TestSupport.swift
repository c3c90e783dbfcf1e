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

    static let traits = MachineTraits.fallback(cores: 2, maxSIMDLanes: HostCPU.maxSIMDLanes)
    static let pool = WorkerPool(threads: 2)

    /// The default model on the analytical-default plan. Tests using it run in one serialized suite.
    nonisolated(unsafe) static let engine: Engine? = {
        guard modelExists else { return nil }
        let plan = KernelPlan(config: nil, machine: traits, threads: 2)
        return try? Engine(modelPath: modelPath, plan: plan, pool: pool, contextLength: 512)
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
