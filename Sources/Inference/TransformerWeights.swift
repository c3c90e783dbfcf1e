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
    public var ffnNorm: FloatBuffer
    public var ffn: FeedForward
}

/// All weights of a llama-family (or DeepSeek-style MoE) decoder, as FP32 `WeightMatrix`es.
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

    /// Bytes of weights in memory (a tied output counted once).
    public var bytes: Int {
        var b = embedding.bytes + outputNorm.count * 4 + (config.tieWordEmbeddings == true ? 0 : output.bytes)
        for l in layers {
            b += l.q.bytes + l.k.bytes + l.v.bytes + l.o.bytes + (l.attentionNorm.count + l.ffnNorm.count) * 4
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

extension TransformerWeights {
    /// Loads and dequantizes (once, to FP32) every tensor of a GGUF llama model, checking each shape
    /// against the architecture from its metadata.
    public init(gguf f: GGUFFile) throws(InferenceError) {
        let c: ModelConfig
        do { c = try ModelConfig(gguf: f) } catch { throw .model(error) }
        let h = c.hiddenSize, d = c.resolvedHeadDim, kvDim = c.numKeyValueHeads * d, ff = c.intermediateSize
        func load(_ name: String, _ dims: [Int]) throws(InferenceError) -> FloatBuffer {
            let t: GGUFTensorInfo
            do { t = try f.tensor(name) } catch { throw .model(error) }
            guard t.dimensions == dims else { throw .tensorShape(name: name, expected: dims, found: t.dimensions) }
            let buf = FloatBuffer(count: t.elementCount)
            do { try f.dequantize(t, rows: 0..<t.rowCount, into: buf.pointer) } catch { throw .model(error) }
            return buf
        }
        func matrix(_ name: String, out: Int, in k: Int) throws(InferenceError) -> WeightMatrix {
            .f32(try load(name, [k, out]), rows: out, cols: k)   // ggml dims are [in, out]
        }
        let embedding = try matrix("token_embd.weight", out: c.vocabSize, in: h)
        var layers: [LayerWeights] = []
        for l in 0..<c.numHiddenLayers {
            let p = "blk.\(l)."
            layers.append(LayerWeights(
                attentionNorm: try load(p + "attn_norm.weight", [h]),
                q: try matrix(p + "attn_q.weight", out: h, in: h),
                k: try matrix(p + "attn_k.weight", out: kvDim, in: h),
                v: try matrix(p + "attn_v.weight", out: kvDim, in: h),
                o: try matrix(p + "attn_output.weight", out: h, in: h),
                ffnNorm: try load(p + "ffn_norm.weight", [h]),
                ffn: .dense(gate: try matrix(p + "ffn_gate.weight", out: ff, in: h),
                            up: try matrix(p + "ffn_up.weight", out: ff, in: h),
                            down: try matrix(p + "ffn_down.weight", out: h, in: ff))))
        }
        self.init(config: c, embedding: embedding, layers: layers, outputNorm: try load("output_norm.weight", [h]),
                  output: f.hasTensor("output.weight") ? try matrix("output.weight", out: c.vocabSize, in: h) : embedding,
                  synthetic: false)
    }
}
