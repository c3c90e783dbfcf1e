import Kernels
import Measure
import Models

/// The one gateway from the forward pass to the kernel library: every matmul, attention and
/// expert-gather call goes through here, with parameters from the `KernelPlan` and time recorded per
/// kernel family. A tuned parameter set the kernel rejects (it throws before doing any work) is
/// replaced by the analytical default for that shape, with a warning in the plan.
public final class KernelRunner: @unchecked Sendable {
    public let pool: WorkerPool
    public let plan: KernelPlan
    public internal(set) var stats = KernelStats()
    /// Scratch for the products that `linear(accumulate: true)` adds to its output (quantized matrices).
    private var accumulatorBuffer = FloatBuffer(count: 0)

    /// A scratch of at least `count` floats (grown on demand, reused across calls).
    func accumulator(count: Int) -> UnsafeMutablePointer<Float> {
        if accumulatorBuffer.count < count { accumulatorBuffer = FloatBuffer(count: count) }
        return accumulatorBuffer.pointer
    }

    public init(pool: WorkerPool, plan: KernelPlan) {
        self.pool = pool
        self.plan = plan
    }

    public func resetStats() { stats = KernelStats() }

    /// Runs `body` with the plan's parameters for `kind`, retrying once with the default if the tuned
    /// choice is rejected.
    @inline(__always)
    private func withParams(_ kind: KernelWorkload.Kind, flops: Double,
                            _ body: (ParameterSet) throws(KernelError) -> Void) throws(InferenceError) {
        let r = plan.resolve(kind)
        let t0 = MonotonicClock.nanoseconds()
        do {
            try body(r.params)
        } catch {
            guard r.choice != .analyticalDefault else { throw .kernel(error) }
            plan.reject(kind, error: error)
            do { try body(r.fallback) } catch { throw .kernel(error) }
        }
        stats.record(kind.family.rawValue, kind, seconds: Double(MonotonicClock.nanoseconds() &- t0) * 1e-9, flops: flops)
    }

    /// out[m × W.rows] (+)= x[m × W.cols] · Wᵀ, rows of x and out `ldx` / `ldout` apart.
    ///
    /// `fp32Activations`: a quantized matrix is multiplied with the activations kept in FP32 (the decode
    /// path's `act` = 1) whatever the plan says — for a caller that needs the product to FP32 rounding at
    /// about a third of the int8 path's speed (the forward pass instead rescores its top logits exactly,
    /// `Transformer.rescoreTop`).
    public func linear(_ x: UnsafePointer<Float>, rows m: Int, ldx: Int, weight: WeightMatrix,
                       out: UnsafeMutablePointer<Float>, ldout: Int, accumulate: Bool = false,
                       fp32Activations: Bool = false) throws(InferenceError) {
        switch weight {
        case .quantized(let q):
            try quantizedLinear(x, rows: m, ldx: ldx, weight: q, out: out, ldout: ldout, accumulate: accumulate,
                                fp32Activations: fp32Activations)
        case let .f32(w, n, k):
            let pool = self.pool
            try withParams(.matmul(m: m, n: n, k: k), flops: 2 * Double(m * n * k)) { (p) throws(KernelError) in
                let params = try MatmulParams(p)
                try Matmul.run(m: m, n: n, k: k, a: x, lda: ldx, b: w.pointer, ldb: k, bLayout: .nk,
                               c: out, ldc: ldout, accumulate: accumulate, params: params, pool: pool)
            }
        }
    }

    /// Causal attention of `tokens` new queries (positions past..<past+tokens) over cache rows.
    public func attentionPrefill(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                 out: UnsafeMutablePointer<Float>, tokens: Int, past: Int,
                                 shape: AttentionShape) throws(InferenceError) {
        let kind = KernelWorkload.Kind.attentionPrefill(tokens: tokens, past: past, heads: shape.heads,
                                                         kvHeads: shape.kvHeads, headDim: shape.headDim)
        // QKᵀ and PV over the causal triangle: ≈ 2·2·h·d·Σ(past + t + 1).
        let pairs = Double(tokens) * Double(past) + Double(tokens) * Double(tokens + 1) / 2
        let pool = self.pool
        try withParams(kind, flops: 4 * Double(shape.heads * shape.headDim) * pairs) { (p) throws(KernelError) in
            try Attention.prefill(q: q, k: k, v: v, out: out, tokens: tokens, past: past, shape: shape, params: p, pool: pool)
        }
    }

    /// One query against `length` cached rows.
    public func attentionDecode(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                out: UnsafeMutablePointer<Float>, length: Int, shape: AttentionShape) throws(InferenceError) {
        let kind = KernelWorkload.Kind.attentionDecode(length: length, heads: shape.heads, kvHeads: shape.kvHeads, headDim: shape.headDim)
        let pool = self.pool
        try withParams(kind, flops: 4 * Double(shape.heads * shape.headDim * length)) { (p) throws(KernelError) in
            try Attention.decode(q: q, k: k, v: v, out: out, length: length, shape: shape, params: p, pool: pool)
        }
    }

    /// out[T×H] += Σ_j w[t,j] · FFN_{ids[t,j]}(x[t]).
    public func expertGather(x: UnsafePointer<Float>, ids: UnsafePointer<Int32>, weights: UnsafePointer<Float>,
                             gate: UnsafePointer<Float>, up: UnsafePointer<Float>, down: UnsafePointer<Float>,
                             out: UnsafeMutablePointer<Float>, shape: MoEShape) throws(InferenceError) {
        let kind = KernelWorkload.Kind.expertGather(tokens: shape.tokens, hidden: shape.hidden, ffn: shape.ffn,
                                                     experts: shape.experts, topK: shape.topK)
        let pool = self.pool
        let flops = 6 * Double(shape.tokens * shape.topK * shape.hidden * shape.ffn)
        try withParams(kind, flops: flops) { (p) throws(KernelError) in
            try ExpertGather.run(x: x, ids: ids, weights: weights, gate: gate, up: up, down: down, out: out,
                                 shape: shape, params: p, pool: pool)
        }
    }
}
