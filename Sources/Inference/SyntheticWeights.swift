import Kernels
import Models

extension TransformerWeights {
    /// SYNTHETIC weights for `config` (dense or DeepSeek-style MoE): uniform values scaled by
    /// 1/sqrt(fan-in) (variance-preserving), norms at 1, generated from `seed`. The model computes real
    /// forward passes at the architecture's true proportions, but its text is meaningless.
    public static func synthetic(_ config: ModelConfig, seed: UInt64) throws(InferenceError) -> TransformerWeights {
        let c = config
        guard c.hiddenSize > 0, c.numHiddenLayers > 0, c.numAttentionHeads > 0, c.numKeyValueHeads > 0,
              c.numAttentionHeads % c.numKeyValueHeads == 0, c.resolvedHeadDim % 2 == 0, c.vocabSize > 0,
              !c.usesMLA, !c.isMoE || (c.topK >= 1 && c.topK <= c.routedExperts && c.expertFFN > 0) else {
            throw .invalidArgument("\(c.id): not a GQA/MoE architecture the synthetic model can build (MLA is not supported)")
        }
        var rng = SplitMix64(seed: seed)
        func random(_ count: Int, fanIn: Int) -> FloatBuffer {
            let b = FloatBuffer(count: count)
            let scale = (3.0 / Float(fanIn)).squareRoot()   // uniform(-a, a) has variance a²/3
            for i in 0..<count { b.pointer[i] = rng.symmetric() * scale }
            return b
        }
        func matrix(out: Int, in k: Int) -> WeightMatrix { .f32(random(out * k, fanIn: k), rows: out, cols: k) }
        func ones(_ n: Int) -> FloatBuffer { FloatBuffer([Float](repeating: 1, count: n)) }

        let h = c.hiddenSize, d = c.resolvedHeadDim
        let qDim = c.numAttentionHeads * d, kvDim = c.numKeyValueHeads * d
        // Embedding rows of unit RMS, like trained embeddings after the first norm.
        let embedding = WeightMatrix.f32(random(c.vocabSize * h, fanIn: 3), rows: c.vocabSize, cols: h)
        var layers: [LayerWeights] = []
        for l in 0..<c.numHiddenLayers {
            let ffn: FeedForward
            if c.isMoE && l >= c.denseLayerCount {
                let e = c.routedExperts, f = c.expertFFN
                let sharedWidth = c.sharedExpertFFN
                ffn = .moe(MoEWeights(
                    router: matrix(out: e, in: h),
                    gate: random(e * f * h, fanIn: h), up: random(e * f * h, fanIn: h), down: random(e * h * f, fanIn: f),
                    experts: e, ffn: f, topK: c.topK,
                    shared: sharedWidth > 0 ? (matrix(out: sharedWidth, in: h), matrix(out: sharedWidth, in: h),
                                               matrix(out: h, in: sharedWidth)) : nil))
            } else {
                ffn = .dense(gate: matrix(out: c.intermediateSize, in: h), up: matrix(out: c.intermediateSize, in: h),
                             down: matrix(out: h, in: c.intermediateSize))
            }
            layers.append(LayerWeights(attentionNorm: ones(h), q: matrix(out: qDim, in: h), k: matrix(out: kvDim, in: h),
                                       v: matrix(out: kvDim, in: h), o: matrix(out: h, in: qDim), ffnNorm: ones(h), ffn: ffn))
        }
        return TransformerWeights(config: c, embedding: embedding, layers: layers, outputNorm: ones(h),
                                  output: c.tieWordEmbeddings == false ? matrix(out: c.vocabSize, in: h) : embedding,
                                  synthetic: true)
    }
}
