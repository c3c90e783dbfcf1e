import Models

/// A routed-experts FFN layer (DeepSeek-style): router, routed experts stored as one contiguous buffer per
/// matrix kind (the expert-gather kernel's layout: gate/up [E×F×H], down [E×H×F]), and an optional shared
/// expert that every token uses.
public struct MoEWeights: Sendable {
    /// [experts × hidden]: router logits = x·Wᵀ.
    public var router: WeightMatrix
    public var gate: FloatBuffer
    public var up: FloatBuffer
    public var down: FloatBuffer
    public var experts: Int
    public var ffn: Int
    public var topK: Int
    /// The shared expert (gate, up, down), nil when the model has none.
    public var shared: (gate: WeightMatrix, up: WeightMatrix, down: WeightMatrix)?
}

/// A layer's feed-forward block.
public enum FeedForward: Sendable {
    /// SwiGLU: down(silu(gate·x) ⊙ up·x).
    case dense(gate: WeightMatrix, up: WeightMatrix, down: WeightMatrix)
    case moe(MoEWeights)
}

/// One transformer block's weights.
public struct LayerWeights: Sendable {
    public var attentionNorm: FloatBuffer
    public var q: WeightMatrix, k: WeightMatrix, v: WeightMatrix, o: WeightMatrix
    /// Biases added after the q/k/v projections (Qwen2); nil when the architecture has none.
    public var qkvBias: (q: FloatBuffer, k: FloatBuffer, v: FloatBuffer)? = nil
    public var ffnNorm: FloatBuffer
    public var ffn: FeedForward
}

/// All weights of a llama/qwen2-family (or DeepSeek-style MoE) decoder: `WeightMatrix`es kept in their GGUF
/// block format (a real model) or FP32 (synthetic models).
public struct TransformerWeights: Sendable {
    public var config: ModelConfig
    /// [vocab × hidden]; rows are looked up for the embedding.
    public var embedding: WeightMatrix
    public var layers: [LayerWeights]
    public var outputNorm: FloatBuffer
    /// [vocab × hidden]; the embedding itself when tied.
    public var output: WeightMatrix
    /// True for generated (not trained) weights.
    public var synthetic: Bool
    /// The GGUF file whose read-only mapping holds the quantized matrices' blocks (kept alive with them).
    public var mapping: GGUFFile? = nil

    /// Bytes of weights in memory (a tied output counted once).
    public var bytes: Int {
        var b = embedding.bytes + outputNorm.count * 4 + (config.tieWordEmbeddings == true ? 0 : output.bytes)
        for l in layers {
            b += l.q.bytes + l.k.bytes + l.v.bytes + l.o.bytes + (l.attentionNorm.count + l.ffnNorm.count) * 4
            if let qb = l.qkvBias { b += (qb.q.count + qb.k.count + qb.v.count) * 4 }
            switch l.ffn {
            case let .dense(g, u, d): b += g.bytes + u.bytes + d.bytes
            case .moe(let m):
                b += m.router.bytes + (m.gate.count + m.up.count + m.down.count) * 4
                if let s = m.shared { b += s.gate.bytes + s.up.bytes + s.down.bytes }
            }
        }
        return b
    }

}
