/// The architecture of a GGUF llama-family model, read from its `<arch>.*` metadata.
extension ModelConfig {
    /// `general.architecture` values the inference core runs: llama-family decoders (`llama`, `smollm`) and
    /// `qwen2` (llama plus q/k/v bias, NeoX RoPE; DeepSeek-R1-Distill-Qwen's architecture).
    public static let ggufArchitectures = ["llama", "smollm", "qwen2"]

    /// Reads `general.architecture` and the `<arch>.block_count`, `embedding_length`,
    /// `feed_forward_length`, `attention.head_count(_kv)`, `attention.layer_norm_rms_epsilon`,
    /// `rope.freq_base`, `vocab_size` (or the tokenizer's size) keys. Tied output projection when the file
    /// has no `output.weight` tensor. Every value is range-checked; errors name the key.
    public init(gguf f: GGUFFile) throws(GGUFError) {
        let arch = try f.string("general.architecture")
        guard Self.ggufArchitectures.contains(arch) else {
            throw GGUFError(.unsupported, field: "general.architecture",
                            expected: "one of " + Self.ggufArchitectures.map { "\"\($0)\"" }.joined(separator: ", "),
                            found: "\"\(arch)\"", path: f.path)
        }
        func positive(_ key: String, max: Int = 1 << 20) throws(GGUFError) -> Int {
            let v = try f.int("\(arch).\(key)")
            guard v >= 1, v <= max else {
                throw GGUFError(.invalid, field: "\(arch).\(key)", expected: "1...\(max)", found: "\(v)", path: f.path)
            }
            return v
        }
        id = "gguf:" + (f["general.name"]?.stringValue ?? arch)
        name = f["general.name"]?.stringValue ?? arch
        source = f.path ?? "GGUF bytes"
        modelType = arch
        hiddenSize = try positive("embedding_length")
        intermediateSize = try positive("feed_forward_length")
        numHiddenLayers = try positive("block_count", max: 4096)
        numAttentionHeads = try positive("attention.head_count", max: 4096)
        numKeyValueHeads = f["\(arch).attention.head_count_kv"] == nil ? numAttentionHeads : try positive("attention.head_count_kv", max: 4096)
        guard hiddenSize % numAttentionHeads == 0, numAttentionHeads % numKeyValueHeads == 0 else {
            throw GGUFError(.invalid, field: "\(arch).attention.head_count_kv", expected: "heads dividing the hidden size and kv heads dividing heads",
                            found: "hidden \(hiddenSize), heads \(numAttentionHeads), kv heads \(numKeyValueHeads)", path: f.path)
        }
        headDim = hiddenSize / numAttentionHeads
        if headDim! % 2 != 0 {
            throw GGUFError(.invalid, field: "\(arch).attention.head_count", expected: "an even head dimension (RoPE pairs)", found: "\(headDim!)", path: f.path)
        }
        if f["\(arch).vocab_size"] != nil {
            vocabSize = try positive("vocab_size", max: 1 << 24)
        } else {
            vocabSize = try f.array("tokenizer.ggml.tokens", of: .string).count
        }
        let eps = f["\(arch).attention.layer_norm_rms_epsilon"] == nil ? 1e-5 : try f.double("\(arch).attention.layer_norm_rms_epsilon")
        let theta = f["\(arch).rope.freq_base"] == nil ? 10_000 : try f.double("\(arch).rope.freq_base")
        guard eps > 0, eps < 1, theta > 1, theta.isFinite else {
            throw GGUFError(.invalid, field: "\(arch).rope.freq_base / layer_norm_rms_epsilon", expected: "eps in (0,1), base > 1",
                            found: "eps \(eps), base \(theta)", path: f.path)
        }
        rmsNormEps = eps
        ropeTheta = theta
        maxPositionEmbeddings = f["\(arch).context_length"] == nil ? nil : try positive("context_length", max: 1 << 24)
        tieWordEmbeddings = !f.hasTensor("output.weight")
    }
}
