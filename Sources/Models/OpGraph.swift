/// The one description of a model's work: per layer the GEMMs, attention (GQA or MLA), MoE routing,
/// dispatch and combine, norms, plus embedding and lm_head, each with FLOPs and bytes for a workload.
///
/// Built from a `ModelConfig`; the simulator prices it on a `GPUProfile` and the CPU inference core takes
/// its kernel shapes from `cpuWorkloads(model:phase:)`. Layers with identical shapes share one op
/// (`Op.layers` says which layers), so a 61-layer model is ~40 ops, not 900.
///
/// MLA (DeepSeek-V2/V3): prefill and training expand the latent KV with `kv_b_proj` and run multi-head
/// attention with head dim qk_nope+qk_rope (192) for QK and v_head_dim (128) for V. Decode uses weight
/// absorption, DeepSeek's practice (FlashMLA): the query is projected into the 512-dim latent space
/// (`q_absorb`), attention runs over the cached latent+rope vectors (576 for QK, 512 for V) shared by all
/// heads, and `v_up` maps the result back. The KV cache holds (kv_lora_rank + qk_rope_head_dim) values per
/// token per layer.
public struct OpGraph: Sendable {
    public var model: ModelConfig
    public var workload: GraphWorkload
    public var precision: Precision
    public var ops: [Op]

    /// Builds the graph of `model` for `workload` with `precision`'s element sizes.
    public init(model: ModelConfig, workload: GraphWorkload, precision: Precision = .bf16) {
        self.model = model
        self.workload = workload
        self.precision = precision
        var builder = Builder(model: model, workload: workload, precision: precision)
        builder.build()
        ops = builder.ops
    }

    /// FLOPs of one forward pass over the workload.
    public var totalFLOPs: Double { ops.reduce(0) { $0 + $1.totalFLOPs } }
    /// Parameters in the model (tied embeddings counted once).
    public var totalParameters: Double { ops.reduce(0) { $0 + $1.parameters * Double($1.count) } }
    /// Parameters one token uses (top-k routed experts only), embedding and lm_head included.
    public var activeParameters: Double { ops.reduce(0) { $0 + $1.activeParameters * Double($1.count) } }
    /// The ops layer `layer` runs, in order (model-level ops such as embedding and lm_head excluded).
    public func ops(inLayer layer: Int) -> [Op] { ops.filter { $0.layers.contains(layer) } }

    /// Payload bytes of all communication ops of one forward pass, by collective.
    public func payloadBytes(_ collective: Op.Collective) -> Double {
        ops.filter { $0.collective == collective }.reduce(0) { $0 + $1.payloadBytes * Double($1.count) }
    }
}

extension ModelConfig {
    /// KV-cache elements per token over all layers: (kv_lora_rank + qk_rope_head_dim) × layers for MLA,
    /// 2 × kv_heads × head_dim × layers for MHA/GQA.
    public var kvCacheElementsPerToken: Int { kvCacheElementsPerTokenPerLayer * numHiddenLayers }

    /// KV-cache elements per token in one layer.
    public var kvCacheElementsPerTokenPerLayer: Int {
        if usesMLA, let rank = kvLoraRank { return rank + (qkRopeHeadDim ?? 0) }
        return 2 * numKeyValueHeads * resolvedHeadDim
    }

    /// Number of dense (non-MoE) layers at the bottom of the stack.
    public var denseLayerCount: Int { isMoE ? min(firstKDenseReplace ?? 0, numHiddenLayers) : numHiddenLayers }
    /// Width of one routed expert's FFN (Mixtral uses intermediate_size).
    public var expertFFN: Int { moeIntermediateSize ?? intermediateSize }
    /// Total width of the shared experts (0 if none).
    public var sharedExpertFFN: Int { (nSharedExperts ?? 0) * expertFFN }
    /// Experts each token is routed to.
    public var topK: Int { numExpertsPerTok ?? 0 }
}

/// Assembles the ops; one method per block kind.
struct Builder {
    let model: ModelConfig
    let workload: GraphWorkload
    let precision: Precision
    var ops: [Op] = []

    var hidden: Int { model.hiddenSize }
    var tokens: Int { workload.tokens }
    var wb: Double { precision.weightBytes }
    var ab: Double { precision.activationBytes }

    mutating func build() {
        let all = 0..<model.numHiddenLayers
        let dense = 0..<model.denseLayerCount
        let moe = model.denseLayerCount..<model.numHiddenLayers
        embedding()
        norm("input_layernorm", width: hidden, layers: all, placement: .attention)
        if model.usesMLA { mla(layers: all) } else { gqa(layers: all) }
        allReduce("attn_out_allreduce", layers: all)
        norm("post_attention_layernorm", width: hidden, layers: all, placement: .attention)
        if !dense.isEmpty {
            ffn(prefix: "", width: model.intermediateSize, layers: dense, placement: .denseFFN)
            allReduce("mlp_out_allreduce", layers: dense)
        }
        if !moe.isEmpty { moeBlock(layers: moe) }
        norm("norm", width: hidden, layers: 0..<0, placement: .model)
        lmHead()
    }

    mutating func gemm(_ name: String, m: Int, n: Int, k: Int, layers: Range<Int>, placement: Op.Placement,
                       kind: Op.Kind = .gemm, countsParameters: Bool = true) {
        var op = Op(name: name, kind: kind, placement: placement, layers: layers)
        op.m = m; op.n = n; op.k = k
        op.flops = 2 * Double(m) * Double(n) * Double(k)
        let params = Double(n) * Double(k)
        op.parameters = countsParameters ? params : 0
        op.activeParameters = op.parameters
        op.weightBytes = m > 0 ? params * wb : 0
        op.activationBytes = (Double(m) * Double(k) + Double(m) * Double(n)) * ab
        ops.append(op)
    }

    mutating func norm(_ name: String, width: Int, layers: Range<Int>, placement: Op.Placement) {
        var op = Op(name: name, kind: .norm, placement: placement, layers: layers)
        op.flops = 4 * Double(tokens) * Double(width)
        op.parameters = Double(width)
        op.activeParameters = op.parameters
        op.weightBytes = Double(width) * wb
        op.activationBytes = 2 * Double(tokens) * Double(width) * ab
        ops.append(op)
    }

    mutating func allReduce(_ name: String, layers: Range<Int>) {
        var op = Op(name: name, kind: .communication, placement: .attention, layers: layers)
        op.collective = .tensorAllReduce
        op.payloadBytes = Double(tokens) * Double(hidden) * ab
        ops.append(op)
    }

    mutating func embedding() {
        var op = Op(name: "embed_tokens", kind: .embedding, placement: .model, layers: 0..<0)
        op.parameters = Double(model.vocabSize) * Double(hidden)
        op.activeParameters = op.parameters
        op.weightBytes = Double(tokens) * Double(hidden) * wb
        op.activationBytes = Double(tokens) * Double(hidden) * ab
        ops.append(op)
    }

    mutating func lmHead() {
        let tied = model.tieWordEmbeddings ?? false
        gemm("lm_head", m: workload.logitTokens, n: model.vocabSize, k: hidden, layers: 0..<0,
             placement: .model, kind: .lmHead, countsParameters: !tied)
    }

    /// Standard multi-head / grouped-query attention.
    mutating func gqa(layers: Range<Int>) {
        let heads = model.numAttentionHeads, kv = model.numKeyValueHeads, d = model.resolvedHeadDim
        gemm("q_proj", m: tokens, n: heads * d, k: hidden, layers: layers, placement: .attention)
        gemm("k_proj", m: tokens, n: kv * d, k: hidden, layers: layers, placement: .attention)
        gemm("v_proj", m: tokens, n: kv * d, k: hidden, layers: layers, placement: .attention)
        attentionCore(qkDim: d, vDim: d, heads: heads, kvElementsPerToken: 2 * kv * d, layers: layers)
        gemm("o_proj", m: tokens, n: hidden, k: heads * d, layers: layers, placement: .attention)
    }

    /// Multi-head latent attention: naive (expanded) for prefill/training, absorbed for decode.
    mutating func mla(layers: Range<Int>) {
        let heads = model.numAttentionHeads
        let rank = model.kvLoraRank ?? 0, rope = model.qkRopeHeadDim ?? 0
        let nope = model.qkNopeHeadDim ?? 0, v = model.vHeadDim ?? 0
        if let q = model.qLoraRank {
            gemm("q_a_proj", m: tokens, n: q, k: hidden, layers: layers, placement: .attention)
            norm("q_a_layernorm", width: q, layers: layers, placement: .attention)
            gemm("q_b_proj", m: tokens, n: heads * (nope + rope), k: q, layers: layers, placement: .attention)
        } else {
            gemm("q_proj", m: tokens, n: heads * (nope + rope), k: hidden, layers: layers, placement: .attention)
        }
        gemm("kv_a_proj_with_mqa", m: tokens, n: rank + rope, k: hidden, layers: layers, placement: .attention)
        norm("kv_a_layernorm", width: rank, layers: layers, placement: .attention)
        if workload.mode == .decode {
            // Absorbed: W_UK folded into the query, W_UV applied after attention (per head).
            gemm("q_absorb", m: tokens, n: heads * rank, k: nope, layers: layers, placement: .attention)
            fixAbsorbed(heads: heads, perHeadIn: nope, perHeadOut: rank)
            attentionCore(qkDim: rank + rope, vDim: rank, heads: heads, kvElementsPerToken: rank + rope,
                          layers: layers)
            gemm("v_up", m: tokens, n: heads * v, k: rank, layers: layers, placement: .attention)
            fixAbsorbed(heads: heads, perHeadIn: rank, perHeadOut: v)
        } else {
            // Expanded: latent → per-head K_nope and V for every attended position.
            let positions = workload.sequences * (workload.past + workload.newTokens)
            gemm("kv_b_proj", m: positions, n: heads * (nope + v), k: rank, layers: layers, placement: .attention)
            attentionCore(qkDim: nope + rope, vDim: v, heads: heads, kvElementsPerToken: rank + rope,
                          layers: layers)
        }
        gemm("o_proj", m: tokens, n: hidden, k: heads * v, layers: layers, placement: .attention)
    }

    /// A per-head projection written as one GEMM has heads × smaller FLOPs and weights than m·n·k:
    /// each head multiplies its own [perHeadIn] slice by a [perHeadIn × perHeadOut] matrix.
    mutating func fixAbsorbed(heads: Int, perHeadIn: Int, perHeadOut: Int) {
        guard var op = ops.popLast() else { return }
        let params = Double(heads) * Double(perHeadIn) * Double(perHeadOut)
        op.flops = 2 * Double(op.m) * params
        op.parameters = params
        op.activeParameters = params
        op.weightBytes = params * wb
        op.activationBytes = Double(op.m) * Double(heads) * Double(perHeadIn + perHeadOut) * ab
        ops.append(op)
    }

    mutating func attentionCore(qkDim: Int, vDim: Int, heads: Int, kvElementsPerToken: Int, layers: Range<Int>) {
        var op = Op(name: "attention", kind: .attention, placement: .attention, layers: layers)
        let queries = Double(tokens)
        op.flops = 2 * queries * workload.averageAttended * Double(heads) * Double(qkDim + vDim)
        let cached = Double(workload.sequences) * Double(workload.past + workload.newTokens)
        op.kvBytes = (cached + Double(tokens)) * Double(kvElementsPerToken) * precision.kvBytes
        op.activationBytes = queries * Double(heads) * Double(qkDim + vDim) * ab
        ops.append(op)
    }

    mutating func ffn(prefix: String, width: Int, layers: Range<Int>, placement: Op.Placement) {
        gemm(prefix + "gate_proj", m: tokens, n: width, k: hidden, layers: layers, placement: placement)
        gemm(prefix + "up_proj", m: tokens, n: width, k: hidden, layers: layers, placement: placement)
        gemm(prefix + "down_proj", m: tokens, n: hidden, k: width, layers: layers, placement: placement)
    }

    mutating func moeBlock(layers: Range<Int>) {
        let experts = model.routedExperts, k = model.topK, f = model.expertFFN
        gemm("gate", m: tokens, n: experts, k: hidden, layers: layers, placement: .attention, kind: .router)
        var dispatch = Op(name: "dispatch", kind: .communication, placement: .routedExperts, layers: layers)
        dispatch.collective = .expertDispatch
        dispatch.payloadBytes = Double(tokens) * Double(k) * Double(hidden) * precision.dispatchBytes
        ops.append(dispatch)

        var routed = Op(name: "experts", kind: .routedExperts, placement: .routedExperts, layers: layers)
        let perExpert = 3 * Double(hidden) * Double(f)
        let pairs = Double(tokens) * Double(k)
        routed.m = tokens * k; routed.n = f; routed.k = hidden
        routed.flops = 2 * pairs * perExpert
        routed.parameters = Double(experts) * perExpert
        routed.activeParameters = Double(k) * perExpert
        routed.weightBytes = OpGraph.expectedTouchedExperts(experts: experts, topK: k, tokens: tokens)
            * perExpert * wb
        routed.activationBytes = pairs * Double(2 * hidden + 3 * f) * ab
        ops.append(routed)

        var combine = Op(name: "combine", kind: .communication, placement: .routedExperts, layers: layers)
        combine.collective = .expertCombine
        combine.payloadBytes = Double(tokens) * Double(k) * Double(hidden) * precision.combineBytes
        ops.append(combine)

        if model.sharedExpertFFN > 0 {
            ffn(prefix: "shared_experts.", width: model.sharedExpertFFN, layers: layers, placement: .sharedExpert)
        }
        allReduce("moe_out_allreduce", layers: layers)
    }
}

extension OpGraph {
    /// Expected number of distinct experts `tokens` tokens touch when each picks `topK` of `experts`
    /// uniformly (balanced routing): E · (1 − (1 − k/E)^T).
    public static func expectedTouchedExperts(experts: Int, topK: Int, tokens: Int) -> Double {
        guard experts > 0, tokens > 0 else { return 0 }
        let miss = 1 - Double(topK) / Double(experts)
        return Double(experts) * (1 - pow(miss, Double(tokens)))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
