import Models

/// The work of one recorded op call: its matmul shape (for matmuls), FLOPs, and bytes moved (weights,
/// activations, KV cache), derived from the model's dimensions and the op's rows and cached tokens.
/// FP32 activations and KV cache; weight bytes are those the weight matrix holds in memory.
public struct OpCost: Sendable, Equatable {
    public var m = 0, n = 0, k = 0
    public var flops = 0.0
    public var weightBytes = 0.0
    public var activationBytes = 0.0
    public var kvBytes = 0.0
    public var bytes: Double { weightBytes + activationBytes + kvBytes }

    /// The cost of `op` over `rows` new tokens after `past` cached ones, in layer `layer` of `weights`.
    public static func of(_ op: ForwardOp, rows: Int, past: Int, layer: Int, weights: TransformerWeights) -> OpCost {
        let c = weights.config
        let h = Double(c.hiddenSize), d = c.resolvedHeadDim
        let qDim = c.numAttentionHeads * d, kvDim = c.numKeyValueHeads * d
        let T = Double(rows)
        var r = OpCost()
        let l = layer >= 0 && layer < weights.layers.count ? weights.layers[layer] : nil
        func matmul(_ w: WeightMatrix?) {
            guard let w else { return }
            r.m = rows; r.n = w.rows; r.k = w.cols
            r.flops = 2 * T * Double(w.rows) * Double(w.cols)
            r.weightBytes = Double(w.bytes)
            r.activationBytes = 4 * T * Double(w.rows + w.cols)
        }
        /// Several matrices on the same input in one call: N is their sum, the input is read once.
        func fused(_ ws: [WeightMatrix]) {
            guard let first = ws.first else { return }
            let n = ws.reduce(0) { $0 + $1.rows }
            r.m = rows; r.n = n; r.k = first.cols
            r.flops = 2 * T * Double(n) * Double(first.cols)
            r.weightBytes = ws.reduce(0.0) { $0 + Double($1.bytes) }
            r.activationBytes = 4 * T * Double(n + first.cols)
        }
        var dense: (WeightMatrix, WeightMatrix, WeightMatrix)?
        var moe: MoEWeights?
        if let l {
            switch l.ffn {
            case let .dense(g, u, dn): dense = (g, u, dn)
            case .moe(let m): moe = m
            }
        }
        // A MoE layer's gate/up/down marks are its shared expert's.
        let ffn = dense ?? moe?.shared.map { ($0.gate, $0.up, $0.down) }
        switch op {
        case .qProj: matmul(l?.q)
        case .kProj: matmul(l?.k)
        case .vProj: matmul(l?.v)
        case .oProj: matmul(l?.o)
        case .gateProj: matmul(ffn?.0)
        case .upProj: matmul(ffn?.1)
        case .downProj: matmul(ffn?.2)
        case .qkvProj: if let l { fused([l.q, l.k, l.v]) }
        case .gateUpProj: if let ffn { fused([ffn.0, ffn.1]) }
        case .router: matmul(moe?.router)
        case .lmHead: matmul(weights.output)
        case .embedding:
            r.weightBytes = T * Double(weights.embedding.bytes) / Double(max(1, c.vocabSize))
            r.activationBytes = 4 * T * h
        case .attentionNorm, .ffnNorm, .outputNorm:
            r.flops = 4 * T * h
            r.weightBytes = 4 * h
            r.activationBytes = 8 * T * h
        case .qkvBias:
            let n = Double(qDim + 2 * kvDim)
            r.flops = T * n
            r.weightBytes = 4 * n
            r.activationBytes = 8 * T * n
        case .rope:
            let n = Double(qDim + kvDim)
            r.flops = 3 * T * n
            r.activationBytes = 8 * T * n + 4 * T * Double(d)
        case .attention:
            // QKᵀ and PV over the causal triangle; K and V of every visible position read once.
            let pairs = T * Double(past) + T * (T + 1) / 2
            r.flops = 4 * Double(qDim) * pairs
            r.kvBytes = 8 * Double(past + rows) * Double(kvDim)
            r.activationBytes = 8 * T * Double(qDim)
        case .swiGLU:
            let f = Double(ffn?.0.rows ?? 0)
            r.flops = 8 * T * f
            r.activationBytes = 12 * T * f
        case .expertGather:
            if let m = moe {
                let pairs = T * Double(m.topK)
                let touched = min(pairs, Double(m.experts))
                r.flops = 6 * pairs * h * Double(m.ffn)
                r.weightBytes = touched * 3 * h * Double(m.ffn) * 4
                r.activationBytes = 4 * pairs * (2 * h + 3 * Double(m.ffn))
            }
        case .sampling:
            r.flops = Double(c.vocabSize)
            r.activationBytes = 4 * Double(c.vocabSize)
        case .end:
            break
        }
        return r
    }
}
