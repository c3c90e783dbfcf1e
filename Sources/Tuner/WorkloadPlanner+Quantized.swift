import Kernels
import Models

extension WorkloadPlanner {
    /// The matmul targets of a GGUF model as the inference core calls them: weights kept in their block
    /// format, q/k/v fused into one call and gate/up into another (`Transformer`), so a target is
    /// "matmul.<format of the first matrix>" at M × ΣN × K — SmolLM2 Q4_1 at M = 1: `matmul.q4_1`
    /// 1x960x576 (q/k/v), 1x576x576 (o), 1x3072x576 (gate/up), 1x576x1536 (down) and `matmul.q8_0`
    /// 1x49152x576 (the output matrix, tied to token_embd). The M values are those of the FP32 matmul
    /// targets `targets` holds for the same ops (prefill buckets, decode batch); the output matrix keeps
    /// its own (one row per forward). FP32 matmul targets whose matrices the file stores quantized are
    /// dropped — the model never runs them; matrices stored as F32 keep theirs. Other families' targets
    /// (attention, expert-gather) pass through unchanged.
    public static func quantizedTargets(_ targets: [TuneTarget], gguf: GGUFFile) -> [TuneTarget] {
        var tensorType: [String: GGUFTensorInfo] = [:]
        for t in gguf.tensors { tensorType[t.name] = t }
        func format(_ name: String) -> QuantFormat? {
            tensorType[name].flatMap { QuantFormat(rawValue: $0.type.rawValue) }
        }
        func rows(_ name: String) -> Int? {
            guard let t = tensorType[name], t.dimensions.count == 2 else { return nil }
            return t.dimensions[1]
        }
        func cols(_ name: String) -> Int? {
            guard let t = tensorType[name], t.dimensions.count == 2 else { return nil }
            return t.dimensions[0]
        }

        // The M values the planner chose for layer matmuls and for the output matrix.
        var layerMs: [Int] = [], outputMs: [Int] = []
        let vocab = rows("output.weight") ?? rows("token_embd.weight") ?? -1
        for t in targets where t.kernel == .matmul {
            let dims = t.shape.split(separator: "x").compactMap { Int($0) }
            guard dims.count == 3 else { continue }
            if dims[1] == vocab { if !outputMs.contains(dims[0]) { outputMs.append(dims[0]) } }
            else if !layerMs.contains(dims[0]) { layerMs.append(dims[0]) }
        }

        /// A fused call: the family of its first matrix, N summed, K shared; nil when a matrix is missing,
        /// not quantized, or the K's differ.
        func call(_ names: [String], use: String) -> (family: QuantFormat, n: Int, k: Int, use: String)? {
            guard let f = format(names[0]), let k = cols(names[0]) else { return nil }
            var n = 0
            for name in names {
                guard format(name) != nil, let r = rows(name), cols(name) == k else { return nil }
                n += r
            }
            guard k % f.blockElements == 0 else { return nil }
            return (f, n, k, use)
        }

        var calls: [(family: QuantFormat, n: Int, k: Int, use: String)] = []
        var quantizedOps = Set<String>()
        var layer = 0
        while tensorType["blk.\(layer).attn_q.weight"] != nil {
            let p = "blk.\(layer)."
            for (names, use) in [([p + "attn_q.weight", p + "attn_k.weight", p + "attn_v.weight"], "qkv_proj"),
                                 ([p + "attn_output.weight"], "o_proj"),
                                 ([p + "ffn_gate.weight", p + "ffn_up.weight"], "gate_up_proj"),
                                 ([p + "ffn_down.weight"], "down_proj")] {
                if let c = call(names, use: use) { calls.append(c); quantizedOps.insert(use) }
            }
            layer += 1
        }
        let outputCall = call([tensorType["output.weight"] != nil ? "output.weight" : "token_embd.weight"], use: "lm_head")
        if outputCall != nil { quantizedOps.insert("lm_head") }

        // Distinct (family, N, K) per role, in first-seen order (a Q4_K_M file mixes formats across layers).
        var seen = Set<String>()
        var out: [TuneTarget] = []
        func add(_ c: (family: QuantFormat, n: Int, k: Int, use: String), ms: [Int], layers: Int) {
            for m in ms {
                let shape = "\(m)x\(c.n)x\(c.k)"
                let key = "\(QuantMatmul.family(c.family).rawValue) \(shape)"
                if seen.insert(key).inserted {
                    out.append(TuneTarget(kernel: QuantMatmul.family(c.family), shape: shape, uses: ["\(c.use) (M=\(m))"],
                                          callsPerForward: layers))
                } else if let i = out.firstIndex(where: { "\($0.kernel.rawValue) \($0.shape)" == key }) {
                    if !out[i].uses.contains("\(c.use) (M=\(m))") { out[i].uses.append("\(c.use) (M=\(m))") }
                    out[i].callsPerForward += layers
                }
            }
        }
        for c in calls { add(c, ms: layerMs, layers: 1) }
        if let o = outputCall { add(o, ms: outputMs.isEmpty ? [1] : outputMs, layers: 1) }

        // FP32 matmul targets stay only for ops whose matrices are not quantized (F32 tensors).
        let fp32OpNames = ["q_proj": "qkv_proj", "k_proj": "qkv_proj", "v_proj": "qkv_proj", "o_proj": "o_proj",
                           "gate_proj": "gate_up_proj", "up_proj": "gate_up_proj", "down_proj": "down_proj", "lm_head": "lm_head"]
        var kept: [TuneTarget] = []
        for t in targets {
            guard t.kernel == .matmul else { kept.append(t); continue }
            let stillFP32 = t.uses.contains { use in
                !fp32OpNames.contains { op, role in use.contains(op) && quantizedOps.contains(role) }
            }
            if stillFP32 || t.uses.isEmpty { kept.append(t) }
        }
        return kept + out
    }
}
