/// One operation of a model's forward pass, with its shape, FLOPs and bytes, for a whole step of a
/// `GraphWorkload` (all sequences together) on one unsharded copy of the model.
///
/// An op stands for the same computation in every layer of `layers` (dense layers and MoE layers have
/// separate templates); multiply per-layer numbers by `layers.count`. The simulator shards these numbers
/// over tensor, expert and pipeline parallelism; the CPU inference core runs them.
public struct Op: Hashable, Sendable {
    /// What kind of work the op is; decides the dtype it runs in and how it is sharded.
    public enum Kind: String, Hashable, Sendable, Codable {
        /// Token-embedding lookup (memory only).
        case embedding
        /// RMSNorm.
        case norm
        /// A Linear layer: C[m×n] = A[m×k] · Wᵀ.
        case gemm
        /// Attention core (QKᵀ, softmax, ·V) over the KV cache.
        case attention
        /// MoE router: scores, top-k.
        case router
        /// The routed experts of an MoE layer (gate/up/down for top-k experts per token).
        case routedExperts
        /// The output projection to vocabulary logits.
        case lmHead
        /// Data movement between devices (`collective` says which).
        case communication
    }

    /// The collective a communication op performs; its cost depends on the parallel layout.
    public enum Collective: String, Hashable, Sendable, Codable {
        /// Tensor-parallel all-reduce of the layer output (free when TP = 1).
        case tensorAllReduce
        /// Expert-parallel all-to-all: tokens to their experts' devices.
        case expertDispatch
        /// Expert-parallel all-to-all: expert outputs back to the tokens' devices.
        case expertCombine
    }

    /// Which part of the model the op belongs to, for sharding: attention and dense FFN ops are split by
    /// tensor parallelism, routed experts by expert parallelism.
    public enum Placement: String, Hashable, Sendable, Codable {
        case attention, denseFFN, sharedExpert, routedExperts, model
    }

    /// Op name, HF module names where they exist ("q_proj", "kv_b_proj", "experts", "lm_head").
    public var name: String
    public var kind: Kind
    public var placement: Placement
    /// Layers that run this op (`0..<1` style ranges; model-level ops use an empty range and count once).
    public var layers: Range<Int>
    /// GEMM shape (0 for non-GEMM ops): m rows of activations, n outputs, k inputs.
    public var m: Int = 0, n: Int = 0, k: Int = 0
    /// Floating-point operations per layer occurrence (multiply-add = 2).
    public var flops: Double = 0
    /// Parameters the op holds (all experts for `routedExperts`).
    public var parameters: Double = 0
    /// Parameters a single token uses (top-k experts only for `routedExperts`).
    public var activeParameters: Double = 0
    /// Weight bytes read from memory in this step (only the experts the batch touches).
    public var weightBytes: Double = 0
    /// Activation bytes read and written.
    public var activationBytes: Double = 0
    /// KV-cache bytes read and written.
    public var kvBytes: Double = 0
    /// For communication ops: the payload bytes each token-owning device sends (whole step, all devices).
    public var payloadBytes: Double = 0
    public var collective: Collective?

    /// Number of times the op runs in one forward pass.
    public var count: Int { layers.isEmpty ? 1 : layers.count }
    /// FLOPs over all layers.
    public var totalFLOPs: Double { flops * Double(count) }
    /// Bytes moved to or from memory over all layers.
    public var totalMemoryBytes: Double { (weightBytes + activationBytes + kvBytes) * Double(count) }
}

/// Bytes per element of weights, activations and the KV cache in a deployment.
public struct Precision: Hashable, Sendable, Codable {
    public var weightBytes: Double
    public var activationBytes: Double
    public var kvBytes: Double
    /// Bytes per hidden element sent in MoE dispatch (DeepEP sends FP8 with a scale per 128 values).
    public var dispatchBytes: Double
    /// Bytes per hidden element returned in MoE combine (BF16 in DeepEP).
    public var combineBytes: Double
    /// Name of the GEMM dtype ("fp8", "bf16"); attention runs in BF16.
    public var gemmDtype: String

    public init(weightBytes: Double, activationBytes: Double, kvBytes: Double,
                dispatchBytes: Double, combineBytes: Double, gemmDtype: String) {
        self.weightBytes = weightBytes
        self.activationBytes = activationBytes
        self.kvBytes = kvBytes
        self.dispatchBytes = dispatchBytes
        self.combineBytes = combineBytes
        self.gemmDtype = gemmDtype
    }

    /// BF16 weights, activations and KV cache.
    public static let bf16 = Precision(weightBytes: 2, activationBytes: 2, kvBytes: 2,
                                       dispatchBytes: 2, combineBytes: 2, gemmDtype: "bf16")
    /// FP8 weights and GEMMs (DeepSeek-V3 practice), BF16 activations between ops and BF16 KV cache
    /// (FlashMLA's cache is BF16), FP8 dispatch (1 byte + 4-byte scale per 128) and BF16 combine (DeepEP).
    public static let fp8 = Precision(weightBytes: 1, activationBytes: 2, kvBytes: 2,
                                      dispatchBytes: 1 + 4.0 / 128, combineBytes: 2, gemmDtype: "fp8")
    /// FP32 everywhere (the CPU inference core).
    public static let fp32 = Precision(weightBytes: 4, activationBytes: 4, kvBytes: 4,
                                       dispatchBytes: 4, combineBytes: 4, gemmDtype: "fp32")
}

/// The work of one step: how many sequences, how many new tokens each, how many already cached.
public struct GraphWorkload: Hashable, Sendable {
    public enum Mode: String, Hashable, Sendable { case prefill, decode, training }
    public var mode: Mode
    /// Sequences processed together.
    public var sequences: Int
    /// New tokens per sequence in this step (1 for decode).
    public var newTokens: Int
    /// Tokens already in each sequence's KV cache.
    public var past: Int

    public init(mode: Mode, sequences: Int, newTokens: Int, past: Int) {
        self.mode = mode; self.sequences = sequences; self.newTokens = newTokens; self.past = past
    }

    /// Prefill `tokens` new tokens for each of `sequences` sequences after `past` cached ones.
    public static func prefill(sequences: Int = 1, tokens: Int, past: Int = 0) -> GraphWorkload {
        GraphWorkload(mode: .prefill, sequences: sequences, newTokens: tokens, past: past)
    }
    /// One new token for each of `batch` sequences with `context` cached tokens.
    public static func decode(batch: Int, context: Int) -> GraphWorkload {
        GraphWorkload(mode: .decode, sequences: batch, newTokens: 1, past: context)
    }
    /// A training forward pass over `sequences` full sequences of `length` tokens (logits for all).
    public static func training(sequences: Int = 1, length: Int) -> GraphWorkload {
        GraphWorkload(mode: .training, sequences: sequences, newTokens: length, past: 0)
    }

    /// New tokens in the step.
    public var tokens: Int { sequences * newTokens }
    /// Tokens whose logits are computed: all for training, the last per sequence otherwise.
    public var logitTokens: Int { mode == .training ? tokens : sequences }
    /// Average number of keys a new token attends to (causal).
    public var averageAttended: Double { Double(past) + Double(newTokens + 1) / 2 }
}
