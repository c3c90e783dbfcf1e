import KernelContract

/// What the CPU inference core is doing: prompt processing or token generation.
public enum InferencePhase: Hashable, Sendable {
    /// One sequence, `tokens` new tokens after `past` cached.
    case prefill(tokens: Int, past: Int)
    /// `batch` sequences, one new token each, `context` cached.
    case decode(batch: Int, context: Int)
}

/// One distinct kernel shape the CPU inference core runs, with the ops that use it and how often.
public struct KernelWorkload: Hashable, Sendable, Codable {
    public enum Kind: Hashable, Sendable, Codable {
        /// C[m×n] = A[m×k] · Wᵀ, W is [n×k] (Linear layout, `.nk`).
        case matmul(m: Int, n: Int, k: Int)
        case attentionPrefill(tokens: Int, past: Int, heads: Int, kvHeads: Int, headDim: Int)
        case attentionDecode(length: Int, heads: Int, kvHeads: Int, headDim: Int)
        case expertGather(tokens: Int, hidden: Int, ffn: Int, experts: Int, topK: Int)
    }
    public var kind: Kind
    /// Ops that share this shape, e.g. ["q_proj", "o_proj"].
    public var names: [String]
    /// How many times one forward pass runs it (e.g. per layer × layers).
    public var callsPerForward: Int

    public init(kind: Kind, names: [String], callsPerForward: Int) {
        self.kind = kind
        self.names = names
        self.callsPerForward = callsPerForward
    }

    /// The kernel family that runs it.
    public var family: KernelFamilyID { kind.family }

    /// The contract's typed shape (nil only if a dimension is outside the contract's bounds).
    public var shape: (any KernelShape)? { kind.shape }

    /// Shape key as used in tuned configs and journals: "MxNxK", "T=512,past=0,h=9,kv=3,d=64",
    /// "L=512,h=9,kv=3,d=64", "T=128,h=512,f=256,e=64,k=6" (the contract's canonical key).
    public var shapeKey: String { kind.shape?.key ?? "invalid shape \(kind)" }
}

/// The op mapping: which kernel family and typed shape each kind of work is. Adding a kernel family is
/// one case of `Kind` and one line in each switch below.
extension KernelWorkload.Kind {
    public var family: KernelFamilyID {
        switch self {
        case .matmul: return .matmul
        case .attentionPrefill: return .attentionPrefill
        case .attentionDecode: return .attentionDecode
        case .expertGather: return .expertGather
        }
    }

    /// The contract's typed shape; nil when a dimension is outside the contract's bounds.
    public var shape: (any KernelShape)? {
        switch self {
        case let .matmul(m, n, k):
            return try? MatmulShape(m: m, n: n, k: k)
        case let .attentionPrefill(tokens, past, heads, kvHeads, headDim):
            return try? AttentionPrefillShape(tokens: tokens, past: past, heads: heads, kvHeads: kvHeads, headDim: headDim)
        case let .attentionDecode(length, heads, kvHeads, headDim):
            return try? AttentionDecodeShape(length: length, heads: heads, kvHeads: kvHeads, headDim: headDim)
        case let .expertGather(tokens, hidden, ffn, experts, topK):
            return try? ExpertGatherShape(tokens: tokens, hidden: hidden, ffn: ffn, experts: experts, topK: topK)
        }
    }
}

extension OpGraph {
    /// Distinct kernel shapes the CPU inference core runs for `model` in `phase` (dense models: q/k/v/o,
    /// gate/up/down, lm_head; MoE layers: expert-gather plus the shared expert's and router's matmuls).
    ///
    /// Conventions: lm_head runs for the last token only in prefill (m = 1) and for every sequence in
    /// decode (m = batch). Decode attention is one call per sequence per layer with `length = context + 1`
    /// (the new token's K/V is appended to the cache before attending). Ops with the same shape are merged
    /// (names in graph order; calls summed). MLA models (DeepSeek-V3) yield their projection matmuls but
    /// no attention workload: the CPU attention kernel is GQA only.
    public static func cpuWorkloads(model: ModelConfig, phase: InferencePhase) -> [KernelWorkload] {
        let workload: GraphWorkload
        switch phase {
        case let .prefill(tokens, past): workload = .prefill(sequences: 1, tokens: tokens, past: past)
        case let .decode(batch, context): workload = .decode(batch: batch, context: context)
        }
        let graph = OpGraph(model: model, workload: workload, precision: .fp32)
        var result: [KernelWorkload] = []
        var index: [KernelWorkload.Kind: Int] = [:]
        func add(_ kind: KernelWorkload.Kind, _ name: String, _ calls: Int) {
            if let i = index[kind] {
                if !result[i].names.contains(name) { result[i].names.append(name) }
                result[i].callsPerForward += calls
            } else {
                index[kind] = result.count
                result.append(KernelWorkload(kind: kind, names: [name], callsPerForward: calls))
            }
        }
        for op in graph.ops {
            switch op.kind {
            case .gemm, .router, .lmHead:
                // q_absorb / v_up are per-head batched products, not one Linear layer.
                guard op.m > 0, op.name != "q_absorb", op.name != "v_up" else { continue }
                add(.matmul(m: op.m, n: op.n, k: op.k), op.name, op.count)
            case .attention:
                guard !model.usesMLA else { continue }
                let h = model.numAttentionHeads, kv = model.numKeyValueHeads, d = model.resolvedHeadDim
                switch phase {
                case let .prefill(tokens, past):
                    add(.attentionPrefill(tokens: tokens, past: past, heads: h, kvHeads: kv, headDim: d),
                        op.name, op.count)
                case let .decode(batch, context):
                    add(.attentionDecode(length: context + 1, heads: h, kvHeads: kv, headDim: d),
                        op.name, op.count * batch)
                }
            case .routedExperts:
                add(.expertGather(tokens: workload.tokens, hidden: model.hiddenSize, ffn: model.expertFFN,
                                  experts: model.routedExperts, topK: model.topK), "experts", op.count)
            case .embedding, .norm, .communication:
                continue
            }
        }
        return result
    }
}
