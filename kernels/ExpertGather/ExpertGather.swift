#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Mixture-of-experts expert-gather:  out[T×H] += Σⱼ w[t,j] · FFN_{ids[t,j]}(x[t]),
/// FFN_e(x) = down_e(silu(gate_e·x) ⊙ up_e·x).
///
/// Expert weights are in Linear layout, one contiguous buffer per matrix kind: gate and up `[E×F×H]`,
/// down `[E×H×F]`. Router output: `ids` and `weights` `[T×topK]`.
///
/// The call routes the T·topK (token, expert) rows by a counting sort on the expert id (stable in
/// token order), gathers the routed x rows into one contiguous, expert-sorted buffer, runs each expert's
/// three matmuls on its batches through `Matmul.run` (`.nk` weights, skinny streaming path: each batch
/// reads its expert's weights once), writes the expert outputs into a second sorted buffer and finally
/// combines them back per token (weighted sum in slot order, so results are deterministic and free of
/// write races whatever the thread split).
public enum ExpertGather {
    public static let family = ExpertGatherParams.family

    public static func run(x: UnsafePointer<Float>, ids: UnsafePointer<Int32>, weights: UnsafePointer<Float>,
                           gate: UnsafePointer<Float>, up: UnsafePointer<Float>, down: UnsafePointer<Float>,
                           out: UnsafeMutablePointer<Float>, shape: MoEShape,
                           params: ParameterSet, pool: WorkerPool) throws(KernelError) {
        let typed = try ExpertGatherParams(params)
        try validate(ids: ids, weights: weights, shape: shape, params: typed, pool: pool)
        let problem = MoEProblem(x: x, ids: ids, weights: weights, gate: gate, up: up, down: down, out: out,
                                 shape: shape)
        try MoELayer.run(problem, typed, pool)
    }

    /// The checks `run` performs before any work: the shape, every expert id (0 ≤ id < experts), every
    /// routing weight finite, and the parameters against the CPU and the pool.
    public static func validate(ids: UnsafePointer<Int32>, weights: UnsafePointer<Float>, shape: MoEShape,
                                params: ExpertGatherParams, pool: WorkerPool,
                                maxLanes: Int = HostCPU.maxSIMDLanes) throws(KernelError) {
        let bad = shape.violations
        if !bad.isEmpty { throw .invalidShape(kernel: family, reason: bad.joined(separator: "; ")) }
        for i in 0..<shape.rows {
            let e = ids[i]
            if e < 0 || Int(e) >= shape.experts {
                throw .invalidShape(kernel: family, reason: "ids[\(i)] (token \(i / shape.topK), slot \(i % shape.topK)) = \(e) is outside 0..<\(shape.experts)")
            }
            if !weights[i].isFinite {
                throw .invalidShape(kernel: family, reason: "weights[\(i)] (token \(i / shape.topK), slot \(i % shape.topK)) = \(weights[i]) is not finite")
            }
        }
        if params.lanes > maxLanes {
            throw .unsupported(kernel: family, reason: "lanes=\(params.lanes) but this CPU executes at most \(maxLanes) Float lanes")
        }
        if params.threads > pool.threadCount {
            throw .invalidParameters(kernel: family, params: params.description,
                                     violations: ["threads=\(params.threads) exceeds the pool's \(pool.threadCount) threads"])
        }
    }

    /// The oracle: plain loops in Double, token by token, slot by slot; out += Σ w·FFN(x).
    public static func reference(x: UnsafePointer<Float>, ids: UnsafePointer<Int32>, weights: UnsafePointer<Float>,
                                 gate: UnsafePointer<Float>, up: UnsafePointer<Float>, down: UnsafePointer<Float>,
                                 out: UnsafeMutablePointer<Float>, shape: MoEShape) {
        let h = shape.hidden, f = shape.ffn
        var act = [Double](repeating: 0, count: f)
        for t in 0..<shape.tokens {
            let xt = x + t * h
            for j in 0..<shape.topK {
                let e = Int(ids[t * shape.topK + j]), w = Double(weights[t * shape.topK + j])
                let g = gate + e * f * h, u = up + e * f * h, d = down + e * h * f
                for i in 0..<f {
                    var sg = 0.0, su = 0.0
                    for c in 0..<h {
                        sg += Double(g[i * h + c]) * Double(xt[c])
                        su += Double(u[i * h + c]) * Double(xt[c])
                    }
                    act[i] = sg / (1 + exp(-sg)) * su
                }
                for c in 0..<h {
                    var s = 0.0
                    for i in 0..<f { s += Double(d[c * f + i]) * act[i] }
                    out[t * h + c] = Float(Double(out[t * h + c]) + w * s)
                }
            }
        }
    }

    /// Bound for |ours − reference| / (|reference| + 1) with x in [−1, 1), expert weights scaled like a
    /// trained layer (|gate|, |up| ≤ 1/√hidden, |down| ≤ 1/√ffn) and routing weights summing to ≤ 1:
    /// FP32 dot products over hidden then ffn, plus the SiLU's 2ˣ polynomial and the topK accumulations.
    public static func errorBound(shape: MoEShape) -> Double {
        Double(8 * (shape.hidden + shape.ffn) + 4 * shape.topK) * 0x1p-24 + 1e-5
    }
}

/// The operands of one expert-gather call, already validated.
struct MoEProblem: @unchecked Sendable {
    var x: UnsafePointer<Float>, ids: UnsafePointer<Int32>, weights: UnsafePointer<Float>
    var gate: UnsafePointer<Float>, up: UnsafePointer<Float>, down: UnsafePointer<Float>
    var out: UnsafeMutablePointer<Float>
    var shape: MoEShape
}
