import Foundation

/// The model profiles in `profiles/models/<id>.json`: load one by id, list the known ids.
///
/// A profile is checked after decoding (positive sizes, heads divisible by KV heads, top-k within the
/// expert count, MLA fields all present), so a bad number is reported with its file and field instead of
/// producing a silently wrong op graph.
public struct ModelCatalog: Sendable {
    /// The `profiles/models` directory.
    public var directory: URL

    /// A catalog over `<profiles>/models`, where `profiles` is found by `ProfileFile.directory(root:)`.
    public init(root: String? = nil) {
        directory = ProfileFile.directory(root: root).appendingPathComponent("models")
    }

    /// A catalog over an explicit models directory.
    public init(directory: URL) { self.directory = directory }

    /// The known model ids, sorted.
    public func ids() throws(ProfileError) -> [String] { try ProfileFile.ids(in: directory) }

    /// Loads and validates the model `id`.
    public func load(id: String) throws(ProfileError) -> ModelConfig {
        try ModelCatalog.load(id: id, in: directory)
    }

    /// Loads and validates the model `id` from the default profiles directory (see `ProfileFile.directory`).
    public static func load(id: String) throws(ProfileError) -> ModelConfig {
        try ModelCatalog().load(id: id)
    }

    /// Loads and validates the model `id` from `path`: the models directory, the profiles directory or
    /// the repository root.
    public static func load(id: String, in path: String) throws(ProfileError) -> ModelConfig {
        try load(id: id, in: URL(fileURLWithPath: path))
    }

    /// Loads and validates `<models>/<id>.json`, where `location` is the models directory, the profiles
    /// directory (holding `models/`) or the repository root (holding `profiles/models/`); unknown ids list
    /// the known ones.
    public static func load(id: String, in location: URL) throws(ProfileError) -> ModelConfig {
        let directory = modelsDirectory(location)
        let name = try ProfileFile.resolve(id: id, kind: "model", in: directory)
        let config = try ProfileFile.load(ModelConfig.self, id: name, kind: "model", in: directory)
        let file = directory.appendingPathComponent(name + ".json").path
        try config.validate(file: file)
        if config.id != name {
            throw .malformed(file: file, field: "id", expected: "\"\(name)\" (the file name)")
        }
        return config
    }
}

extension ModelCatalog {
    /// Resolves a models directory from itself, its profiles directory or the repository root.
    static func modelsDirectory(_ location: URL) -> URL {
        let fm = FileManager.default
        for candidate in [location.appendingPathComponent("profiles/models"), location.appendingPathComponent("models")] {
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: candidate.path, isDirectory: &isDir), isDir.boolValue { return candidate }
        }
        return location
    }
}

extension ModelConfig {
    /// Checks the architecture numbers; errors name `file` and the HF field.
    public func validate(file: String) throws(ProfileError) {
        func positive(_ value: Int?, _ field: String) throws(ProfileError) {
            if let value, value <= 0 { throw .malformed(file: file, field: field, expected: "a positive integer, got \(value)") }
        }
        try positive(hiddenSize, "hidden_size")
        try positive(intermediateSize, "intermediate_size")
        try positive(numHiddenLayers, "num_hidden_layers")
        try positive(numAttentionHeads, "num_attention_heads")
        try positive(numKeyValueHeads, "num_key_value_heads")
        try positive(headDim, "head_dim")
        try positive(vocabSize, "vocab_size")
        try positive(nRoutedExperts, "n_routed_experts")
        try positive(numLocalExperts, "num_local_experts")
        try positive(numExpertsPerTok, "num_experts_per_tok")
        try positive(moeIntermediateSize, "moe_intermediate_size")
        if numAttentionHeads % numKeyValueHeads != 0 {
            throw .malformed(file: file, field: "num_key_value_heads",
                             expected: "a divisor of num_attention_heads (\(numAttentionHeads)), got \(numKeyValueHeads)")
        }
        if headDim == nil && hiddenSize % numAttentionHeads != 0 {
            throw .malformed(file: file, field: "head_dim",
                             expected: "a value, since hidden_size \(hiddenSize) is not divisible by \(numAttentionHeads) heads")
        }
        if !(rmsNormEps > 0) { throw .malformed(file: file, field: "rms_norm_eps", expected: "a positive number") }
        if !(ropeTheta > 0) { throw .malformed(file: file, field: "rope_theta", expected: "a positive number") }
        if isMoE {
            guard let k = numExpertsPerTok else {
                throw .malformed(file: file, field: "num_experts_per_tok", expected: "a value for a mixture-of-experts model")
            }
            if k > routedExperts {
                throw .malformed(file: file, field: "num_experts_per_tok",
                                 expected: "at most the expert count \(routedExperts), got \(k)")
            }
            if nRoutedExperts != nil && moeIntermediateSize == nil {
                throw .malformed(file: file, field: "moe_intermediate_size", expected: "a value when n_routed_experts is set")
            }
            if let f = firstKDenseReplace, f < 0 || f > numHiddenLayers {
                throw .malformed(file: file, field: "first_k_dense_replace",
                                 expected: "0...\(numHiddenLayers), got \(f)")
            }
        }
        if usesMLA {
            let mla: [(Int?, String)] = [(kvLoraRank, "kv_lora_rank"), (qkRopeHeadDim, "qk_rope_head_dim"),
                                         (qkNopeHeadDim, "qk_nope_head_dim"), (vHeadDim, "v_head_dim")]
            for (value, field) in mla {
                guard let value else { throw .malformed(file: file, field: field, expected: "a value for a model with kv_lora_rank (MLA)") }
                try positive(value, field)
            }
            try positive(qLoraRank, "q_lora_rank")
        }
    }
}
