import Kernels
import KernelContract
import Measure
import Models

/// The inference core's side of the quantized matmul family (`QuantMatmul`, kernel library): fused calls
/// over matrices that share an input, the plan's parameters per `matmul.<format>` family and shape, and two
/// small adapters for what the kernel's API does not do itself:
/// - `accumulate` (out += x·Wᵀ, the residual adds of the output and down projections): the product goes to
///   a scratch buffer owned by the runner and is added row by row;
/// - more than 64 rows on the decode path (int8 activations, `vpdpbusd`), which the kernel takes only up to
///   M = 64: the rows are run in slices of 64, each slice streaming the weights once.
extension KernelRunner {
    /// One matrix of a fused call and where its product goes: out[m × weight.rows], rows `ldout` apart.
    public struct LinearOutput {
        public var weight: WeightMatrix
        public var out: UnsafeMutablePointer<Float>
        public var ldout: Int
        public init(_ weight: WeightMatrix, _ out: UnsafeMutablePointer<Float>, ldout: Int) {
            self.weight = weight; self.out = out; self.ldout = ldout
        }
    }

    /// outᵢ = x[m × K] · Wᵢᵀ for every output (q/k/v, gate/up): one kernel call when every matrix is
    /// quantized (the activations are quantized once and the threads split Σ Nᵢ rows), else one call each.
    public func linear(_ x: UnsafePointer<Float>, rows m: Int, ldx: Int, fused outputs: [LinearOutput]) throws(InferenceError) {
        guard !outputs.isEmpty else { return }
        var quantized: [QuantMatmulOutput] = []
        quantized.reserveCapacity(outputs.count)
        for o in outputs {
            guard case .quantized(let q) = o.weight else { break }
            quantized.append(QuantMatmulOutput(weights: q, y: o.out, ldy: o.ldout))
        }
        if quantized.count == outputs.count {
            try quantizedLinear(x, rows: m, ldx: ldx, quantized)
        } else {
            for o in outputs { try linear(x, rows: m, ldx: ldx, weight: o.weight, out: o.out, ldout: o.ldout) }
        }
    }

    /// out (+)= x · Wᵀ for one quantized matrix.
    func quantizedLinear(_ x: UnsafePointer<Float>, rows m: Int, ldx: Int, weight w: QuantizedMatrix,
                         out: UnsafeMutablePointer<Float>, ldout: Int, accumulate: Bool,
                         fp32Activations: Bool = false) throws(InferenceError) {
        guard accumulate else {
            try quantizedLinear(x, rows: m, ldx: ldx, [QuantMatmulOutput(weights: w, y: out, ldy: ldout)],
                                fp32Activations: fp32Activations)
            return
        }
        let n = w.rows
        let tmp = accumulator(count: m * n)
        try quantizedLinear(x, rows: m, ldx: ldx, [QuantMatmulOutput(weights: w, y: tmp, ldy: n)],
                            fp32Activations: fp32Activations)
        for r in 0..<m { VectorMath.add(out + r * ldout, tmp + r * n, count: n) }
    }

    /// The fused kernel call with the plan's parameters for family `matmul.<format of the first matrix>`
    /// and shape m × ΣNᵢ × K; a tuned choice the kernel rejects is replaced by the analytical default.
    func quantizedLinear(_ x: UnsafePointer<Float>, rows m: Int, ldx: Int, _ outputs: [QuantMatmulOutput],
                         fp32Activations: Bool = false) throws(InferenceError) {
        let w0 = outputs[0].weights
        let k = w0.cols
        var n = 0
        for o in outputs { n += o.weights.rows }
        let call = KernelPlan.FamilyCall(family: Self.familyID(w0.format), m: m, n: n, k: k)
        let machine = plan.machine
        let r = plan.resolve(call) { QuantMatmul.analyticalDefault(m: m, n: n, k: k, format: w0.format, on: machine) }
        let t0 = MonotonicClock.nanoseconds()
        do {
            try runQuantized(x, rows: m, ldx: ldx, outputs, r.params, fp32Activations: fp32Activations)
        } catch {
            guard r.choice != .analyticalDefault else { throw .kernel(error) }
            plan.reject(call, error: error)
            do { try runQuantized(x, rows: m, ldx: ldx, outputs, r.fallback, fp32Activations: fp32Activations) } catch { throw .kernel(error) }
        }
        stats.record(call.family.rawValue, .matmul(m: m, n: n, k: k), seconds: Double(MonotonicClock.nanoseconds() &- t0) * 1e-9,
                     flops: 2 * Double(m) * Double(n) * Double(k))
    }

    private func runQuantized(_ x: UnsafePointer<Float>, rows m: Int, ldx: Int, _ outputs: [QuantMatmulOutput],
                              _ p: ParameterSet, fp32Activations: Bool) throws(KernelError) {
        var params = try QuantMatmulParams(p)
        if fp32Activations { params.act = 1 }
        guard params.path == 0, m > Self.quantDecodeMaxRows else {
            try QuantMatmul.run(m: m, x: x, ldx: ldx, outputs: outputs, params: params, pool: pool)
            return
        }
        var r = 0
        while r < m {
            let rows = min(Self.quantDecodeMaxRows, m - r)
            let slice = outputs.map { QuantMatmulOutput(weights: $0.weights, y: $0.y + r * $0.ldy, ldy: $0.ldy) }
            try QuantMatmul.run(m: rows, x: x + r * ldx, ldx: ldx, outputs: slice, params: params, pool: pool)
            r += rows
        }
    }

    /// The family id of each block format ("matmul.q4_k"): the contract's constant.
    static func familyID(_ f: QuantFormat) -> KernelFamilyID { QuantMatmul.family(f) }

    /// The most rows one decode-path call of the quantized kernel takes.
    static var quantDecodeMaxRows: Int { 64 }
}
