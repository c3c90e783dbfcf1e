import Kernels
import Models

/// Loading a GGUF model's weights: every tensor the architecture needs is checked (present, shape, a type
/// the core runs) before anything is allocated, so a malformed or unsupported file fails with the file
/// and tensor named and no large allocation made.
extension TransformerWeights {
    /// One tensor the architecture needs.
    struct RequiredTensor {
        var name: String
        /// ggml dimensions: [in, out] for a matrix (`dimensions[0]` is the contiguous row).
        var dims: [Int]
        /// A projection matrix (quantized types allowed) rather than a norm or bias (F32/F16/BF16).
        var matrix: Bool
    }

    /// The tensors of a dense llama/qwen2 decoder of architecture `c`.
    static func requiredTensors(_ c: ModelConfig, tiedOutput: Bool) -> [RequiredTensor] {
        let h = c.hiddenSize, d = c.resolvedHeadDim, qDim = c.numAttentionHeads * d, kvDim = c.numKeyValueHeads * d
        let ff = c.intermediateSize
        var r = [RequiredTensor(name: "token_embd.weight", dims: [h, c.vocabSize], matrix: true),
                 RequiredTensor(name: "output_norm.weight", dims: [h], matrix: false)]
        if !tiedOutput { r.append(RequiredTensor(name: "output.weight", dims: [h, c.vocabSize], matrix: true)) }
        for l in 0..<c.numHiddenLayers {
            let p = "blk.\(l)."
            r += [RequiredTensor(name: p + "attn_norm.weight", dims: [h], matrix: false),
                  RequiredTensor(name: p + "attn_q.weight", dims: [h, qDim], matrix: true),
                  RequiredTensor(name: p + "attn_k.weight", dims: [h, kvDim], matrix: true),
                  RequiredTensor(name: p + "attn_v.weight", dims: [h, kvDim], matrix: true),
                  RequiredTensor(name: p + "attn_output.weight", dims: [qDim, h], matrix: true),
                  RequiredTensor(name: p + "ffn_norm.weight", dims: [h], matrix: false),
                  RequiredTensor(name: p + "ffn_gate.weight", dims: [h, ff], matrix: true),
                  RequiredTensor(name: p + "ffn_up.weight", dims: [h, ff], matrix: true),
                  RequiredTensor(name: p + "ffn_down.weight", dims: [ff, h], matrix: true)]
            if c.attentionBias {
                r += [RequiredTensor(name: p + "attn_q.bias", dims: [qDim], matrix: false),
                      RequiredTensor(name: p + "attn_k.bias", dims: [kvDim], matrix: false),
                      RequiredTensor(name: p + "attn_v.bias", dims: [kvDim], matrix: false)]
            }
        }
        return r
    }

    /// Checks that `f` holds every tensor of `required` with its shape and a type in `matrixTypes`
    /// (matrices) or F32/F16/BF16 (vectors). Throws naming the file and the tensor's field.
    static func preflight(_ f: GGUFFile, _ required: [RequiredTensor], matrixTypes: Set<GGUFTensorType>) throws(InferenceError) {
        let vectorTypes: Set<GGUFTensorType> = [.f32, .f16, .bf16]
        for r in required {
            let t: GGUFTensorInfo
            do { t = try f.tensor(r.name) } catch { throw .model(error) }
            let allowed = r.matrix ? matrixTypes : vectorTypes
            guard allowed.contains(t.type) else {
                let names = allowed.map(\.description).sorted().joined(separator: ", ")
                throw .model(GGUFError(.unsupported, field: "tensor '\(r.name)'.type", expected: "one of \(names)",
                                       found: "\(t.type)", path: f.path))
            }
            guard t.dimensions == r.dims else {
                throw .model(GGUFError(.invalid, field: "tensor '\(r.name)'.dims", expected: "\(r.dims) (from the architecture metadata)",
                                       found: "\(t.dimensions)", path: f.path))
            }
        }
    }

    /// Types whose matrices this build runs: the quantized matmul's block formats (read in place) and F32.
    public static let ggufMatrixTypes: Set<GGUFTensorType> =
        Set(QuantFormat.allCases.compactMap { GGUFTensorType(rawValue: $0.ggmlType) } + [.f32])

    /// Loads a GGUF llama/qwen2 model after checking every tensor against the architecture from its
    /// metadata. Matrices stay in their GGUF block format inside the file's bytes as `f` holds them (its
    /// read-only mapping, or its read-only huge-page copy: `GGUFResidency`) — no repacking, no FP32 copy.
    /// Norms and biases (a few KB per layer) are converted to FP32; an F32 matrix is copied.
    public init(gguf f: GGUFFile) throws(InferenceError) {
        let c: ModelConfig
        do { c = try ModelConfig(gguf: f) } catch { throw .model(error) }
        try Self.preflight(f, Self.requiredTensors(c, tiedOutput: c.tieWordEmbeddings ?? true), matrixTypes: Self.ggufMatrixTypes)
        let h = c.hiddenSize, d = c.resolvedHeadDim, qDim = c.numAttentionHeads * d, kvDim = c.numKeyValueHeads * d
        let ff = c.intermediateSize
        func load(_ name: String) throws(InferenceError) -> FloatBuffer {
            let t: GGUFTensorInfo
            do { t = try f.tensor(name) } catch { throw .model(error) }
            let buf = FloatBuffer(count: t.elementCount)
            do { try f.dequantize(t, rows: 0..<t.rowCount, into: buf.pointer) } catch { throw .model(error) }
            return buf
        }
        func matrix(_ name: String, out: Int, in k: Int) throws(InferenceError) -> WeightMatrix {
            let t: GGUFTensorInfo, bytes: UnsafeRawBufferPointer
            do { t = try f.tensor(name); bytes = try f.bytes(of: t) } catch { throw .model(error) }
            if t.type == .f32 { return .f32(try load(name), rows: out, cols: k) }
            guard let base = bytes.baseAddress else {
                throw .model(GGUFError(.invalid, field: "tensor '\(name)'", expected: "a \(out)×\(k) \(t.type) matrix",
                                       found: "no data", path: f.path))
            }
            do {
                return .quantized(try QuantizedMatrix(ggmlType: t.type.rawValue, rows: out, cols: k, data: base,
                                                      byteCount: bytes.count))
            } catch {
                throw .model(GGUFError(.invalid, field: "tensor '\(name)'", expected: "a \(out)×\(k) \(t.type) matrix the quantized kernels read",
                                       found: error.description, path: f.path))
            }
        }
        let embedding = try matrix("token_embd.weight", out: c.vocabSize, in: h)
        var layers: [LayerWeights] = []
        for l in 0..<c.numHiddenLayers {
            let p = "blk.\(l)."
            let bias = c.attentionBias ? (q: try load(p + "attn_q.bias"), k: try load(p + "attn_k.bias"), v: try load(p + "attn_v.bias")) : nil
            layers.append(LayerWeights(
                attentionNorm: try load(p + "attn_norm.weight"),
                q: try matrix(p + "attn_q.weight", out: qDim, in: h),
                k: try matrix(p + "attn_k.weight", out: kvDim, in: h),
                v: try matrix(p + "attn_v.weight", out: kvDim, in: h),
                o: try matrix(p + "attn_output.weight", out: h, in: qDim),
                qkvBias: bias,
                ffnNorm: try load(p + "ffn_norm.weight"),
                ffn: .dense(gate: try matrix(p + "ffn_gate.weight", out: ff, in: h),
                            up: try matrix(p + "ffn_up.weight", out: ff, in: h),
                            down: try matrix(p + "ffn_down.weight", out: h, in: ff))))
        }
        self.init(config: c, embedding: embedding, layers: layers, outputNorm: try load("output_norm.weight"),
                  output: c.tieWordEmbeddings == false ? try matrix("output.weight", out: c.vocabSize, in: h) : embedding,
                  synthetic: false, mapping: f)
    }
}

extension TransformerWeights {
    /// Every matrix (the embedding once when tied to the output).
    public var matrices: [WeightMatrix] {
        var m = [embedding]
        if config.tieWordEmbeddings == false { m.append(output) }
        for l in layers {
            m += [l.q, l.k, l.v, l.o]
            switch l.ffn {
            case let .dense(g, u, d): m += [g, u, d]
            case .moe(let e):
                m.append(e.router)
                if let s = e.shared { m += [s.gate, s.up, s.down] }
            }
        }
        return m
    }

    /// How the matrices are stored, e.g. "in place in the GGUF mapping: Q5_0 ×144, Q4_K ×12, ...; FP32 ×0".
    public var storageSummary: String {
        var counts: [String: Int] = [:]
        var fp32 = 0
        for m in matrices {
            if case .quantized(let q) = m { counts[q.format.description, default: 0] += 1 } else { fp32 += 1 }
        }
        let q = counts.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.map { "\($0.key) ×\($0.value)" }
        if q.isEmpty { return "FP32 ×\(fp32)" }
        let place = mapping?.residency == .hugePages ? "in place in the GGUF file's huge-page copy: " : "in place in the GGUF mapping: "
        return place + q.joined(separator: ", ") + (fp32 > 0 ? "; FP32 ×\(fp32)" : "")
    }
}
