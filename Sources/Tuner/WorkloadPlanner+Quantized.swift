import Kernels
import Models

extension WorkloadPlanner {
    /// Adds, for every matmul target of a GGUF model, one target per weight format the file stores for
    /// that shape: a tensor with dimensions [K, N] (ne0 = K) of a type the quantized kernels read gives a
    /// "matmul.<format>" target at the same shape key (SmolLM2 Q4_1: q/k/v/o and gate/up/down in Q4_1,
    /// lm_head through token_embd in Q8_0; a Q4_K_M file: Q4_K and Q6_K). The FP32 targets stay (the
    /// inference core dequantizes matrices it cannot run quantized).
    public static func quantizedTargets(_ targets: [TuneTarget], gguf: GGUFFile) -> [TuneTarget] {
        var formatsByShape: [[Int]: Set<QuantFormat>] = [:]
        for t in gguf.tensors where t.dimensions.count == 2 {
            guard let f = QuantFormat(rawValue: t.type.rawValue) else { continue }
            formatsByShape[t.dimensions, default: []].insert(f)
        }
        var out: [TuneTarget] = []
        for t in targets {
            out.append(t)
            guard t.kernel == .matmul else { continue }
            let dims = t.shape.split(separator: "x").compactMap { Int($0) }
            guard dims.count == 3 else { continue }
            let (n, k) = (dims[1], dims[2])
            for f in (formatsByShape[[k, n]] ?? []).sorted(by: { $0.rawValue < $1.rawValue }) where k % f.blockElements == 0 {
                out.append(TuneTarget(kernel: QuantMatmul.family(f), shape: t.shape, uses: t.uses, callsPerForward: t.callsPerForward))
            }
        }
        return out
    }
}
