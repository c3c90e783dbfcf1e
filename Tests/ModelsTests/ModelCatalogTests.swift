import Foundation
import Testing
@testable import Models

@Suite struct ModelCatalogTests {
    let catalog = ModelCatalog()

    @Test func everyRequiredProfileLoadsWithASource() throws {
        let required = ["deepseek-v3", "deepseek-r1", "deepseek-r1-distill-qwen-1.5b", "deepseek-r1-distill-qwen-7b",
                        "deepseek-r1-distill-qwen-32b", "llama-3-70b", "mixtral-8x7b", "smollm2-135m",
                        "deepseek-moe-mini"]
        let ids = try catalog.ids()
        for id in required {
            #expect(ids.contains(id))
            let model = try catalog.load(id: id)
            #expect(model.id == id)
            #expect(!model.source.isEmpty)
        }
    }

    @Test func smolLMProfileMatchesTheBundledModel() throws {
        let m = try catalog.load(id: "smollm2-135m")
        #expect(m.hiddenSize == 576 && m.numHiddenLayers == 30 && m.intermediateSize == 1536)
        #expect(m.numAttentionHeads == 9 && m.numKeyValueHeads == 3 && m.resolvedHeadDim == 64)
        #expect(m.vocabSize == 49152 && m.tieWordEmbeddings == true && m.ropeTheta == 1e5)
    }

    @Test func syntheticMiniModelIsLabelledAndShapedAsSpecified() throws {
        let m = try catalog.load(id: "deepseek-moe-mini")
        #expect(m.source.contains("SYNTHETIC"))
        #expect(m.modelType == "deepseek_moe_mini" && !m.usesMLA)
        #expect(m.hiddenSize == 512 && m.numHiddenLayers == 4 && m.firstKDenseReplace == 1)
        #expect(m.routedExperts == 64 && m.nSharedExperts == 1 && m.topK == 6 && m.expertFFN == 256)
        #expect(m.vocabSize == 49152)
    }

    @Test func unknownModelListsTheKnownIds() {
        #expect {
            _ = try catalog.load(id: "gpt-5")
        } throws: { error in
            guard case let ProfileError.unknownProfile(kind, id, known) = error else { return false }
            return kind == "model" && id == "gpt-5" && known.contains("deepseek-v3")
                && "\(error)".contains("smollm2-135m")
        }
    }

    func tempDir(_ files: [String: String]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ktune-models-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return dir
    }

    func base(_ overrides: [String: String]) -> String {
        var fields: [String: String] = [
            "id": "\"x\"", "name": "\"x\"", "source": "\"test\"", "model_type": "\"llama\"", "hidden_size": "64",
            "intermediate_size": "128", "num_hidden_layers": "2", "num_attention_heads": "4",
            "num_key_value_heads": "2", "vocab_size": "100", "rms_norm_eps": "1e-5", "rope_theta": "10000",
        ]
        for (k, v) in overrides { fields[k] = v }
        return "{" + fields.filter { $0.value != "-" }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ",") + "}"
    }

    func expectMalformed(_ text: String, field: String) throws {
        let dir = try tempDir(["x.json": text])
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect {
            _ = try ModelCatalog.load(id: "x", in: dir)
        } throws: { error in
            guard case let ProfileError.malformed(file, f, _) = error else { return false }
            return file.hasSuffix("x.json") && f == field
        }
    }

    @Test func malformedProfilesNameTheFileAndField() throws {
        try expectMalformed(base(["hidden_size": "\"big\""]), field: "hidden_size")
        try expectMalformed(base(["num_hidden_layers": "-"]), field: "num_hidden_layers")
        try expectMalformed(base(["num_key_value_heads": "3"]), field: "num_key_value_heads")
        try expectMalformed(base(["vocab_size": "0"]), field: "vocab_size")
        try expectMalformed(base(["n_routed_experts": "4", "num_experts_per_tok": "8", "moe_intermediate_size": "32"]),
                            field: "num_experts_per_tok")
        try expectMalformed(base(["kv_lora_rank": "16", "q_lora_rank": "16"]), field: "qk_rope_head_dim")
        try expectMalformed(base(["id": "\"y\""]), field: "id")
        try expectMalformed("{ not json", field: "(root)")
    }
}

@Suite struct ModelCatalogLocationTests {
    @Test func loadAcceptsTheRepositoryRootTheProfilesOrTheModelsDirectory() throws {
        let models = ModelCatalog().directory
        let profiles = models.deletingLastPathComponent()
        let root = profiles.deletingLastPathComponent()
        for location in [models, profiles, root] {
            #expect(try ModelCatalog.load(id: "smollm2-135m", in: location).hiddenSize == 576)
        }
        #expect(try ModelCatalog.load(id: "smollm2-135m", in: root.path).numHiddenLayers == 30)
        #expect(try ModelCatalog.load(id: "deepseek-moe-mini").topK == 6)
        #expect(ProfileFile.directory(root: root.path).path == profiles.path)
    }
}
