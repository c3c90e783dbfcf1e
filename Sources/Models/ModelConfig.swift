import Foundation

/// A model's architecture, with Hugging Face `config.json` field names. Architecture only: no weights.
///
/// One type serves dense Llama/Qwen-style models, Mixtral-style MoE and DeepSeek-V3-style MoE with MLA;
/// fields that an architecture lacks are nil. `profiles/models/*.json` hold these, each with a `source`.
public struct ModelConfig: Codable, Sendable, Equatable {
    /// Profile id, the file name without `.json` (e.g. "deepseek-v3", "smollm2-135m").
    public var id: String
    /// Display name.
    public var name: String
    /// Where the numbers come from (HF config.json URL, paper, README).
    public var source: String
    /// "llama", "qwen2", "mixtral", "deepseek_v3", ...
    public var modelType: String

    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var numKeyValueHeads: Int
    /// Per-head dimension; nil means hidden_size / num_attention_heads.
    public var headDim: Int?
    public var vocabSize: Int
    public var rmsNormEps: Double
    public var ropeTheta: Double
    public var maxPositionEmbeddings: Int?
    public var tieWordEmbeddings: Bool?

    // Mixture of experts (DeepSeek names; Mixtral's num_local_experts maps to n_routed_experts).
    public var nRoutedExperts: Int?
    public var numLocalExperts: Int?
    public var nSharedExperts: Int?
    public var numExpertsPerTok: Int?
    public var moeIntermediateSize: Int?
    /// The first k layers are dense (DeepSeek-V3: 3).
    public var firstKDenseReplace: Int?
    /// Expert groups and how many of them one token may use (node-limited routing; DeepSeek-V3: 8 and 4).
    public var nGroup: Int?
    public var topkGroup: Int?

    // Multi-head latent attention (DeepSeek-V2/V3).
    public var qLoraRank: Int?
    public var kvLoraRank: Int?
    public var qkRopeHeadDim: Int?
    public var qkNopeHeadDim: Int?
    public var vHeadDim: Int?

    /// Free-text remarks kept with the profile (e.g. "synthetic shape"); not an architecture field.
    public var notes: String?

    enum CodingKeys: String, CodingKey {
        case id, name, source
        case modelType = "model_type"
        case hiddenSize = "hidden_size"
        case intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads"
        case numKeyValueHeads = "num_key_value_heads"
        case headDim = "head_dim"
        case vocabSize = "vocab_size"
        case rmsNormEps = "rms_norm_eps"
        case ropeTheta = "rope_theta"
        case maxPositionEmbeddings = "max_position_embeddings"
        case tieWordEmbeddings = "tie_word_embeddings"
        case nRoutedExperts = "n_routed_experts"
        case numLocalExperts = "num_local_experts"
        case nSharedExperts = "n_shared_experts"
        case numExpertsPerTok = "num_experts_per_tok"
        case moeIntermediateSize = "moe_intermediate_size"
        case firstKDenseReplace = "first_k_dense_replace"
        case nGroup = "n_group"
        case topkGroup = "topk_group"
        case qLoraRank = "q_lora_rank"
        case kvLoraRank = "kv_lora_rank"
        case qkRopeHeadDim = "qk_rope_head_dim"
        case qkNopeHeadDim = "qk_nope_head_dim"
        case vHeadDim = "v_head_dim"
        case notes
    }

    /// Per-head dimension.
    public var resolvedHeadDim: Int { headDim ?? hiddenSize / numAttentionHeads }
    /// Whether RoPE rotates the halves (i, i + d/2) of each head (GPT-NeoX style, Qwen2) rather than
    /// adjacent pairs (2i, 2i+1) (llama.cpp's "normal" style for llama GGUFs, whose q/k rows are permuted
    /// for it). llama.cpp's `llama_model_rope_type` gives Qwen/Qwen2 NEOX.
    public var ropeNeoX: Bool { ["qwen", "qwen2", "qwen2_moe", "qwen3"].contains(modelType) }
    /// Whether the q/k/v projections carry a bias (Qwen2).
    public var attentionBias: Bool { ["qwen", "qwen2", "qwen2_moe"].contains(modelType) }
    /// Routed experts per MoE layer (0 for dense models).
    public var routedExperts: Int { nRoutedExperts ?? numLocalExperts ?? 0 }
    public var isMoE: Bool { routedExperts > 0 }
    /// Uses multi-head latent attention.
    public var usesMLA: Bool { kvLoraRank != nil }
}
