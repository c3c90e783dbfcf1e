/// The operands of one matmul call, already validated.
struct MatmulProblem: @unchecked Sendable {
    var m: Int, n: Int, k: Int
    var a: UnsafePointer<Float>, lda: Int
    var b: UnsafePointer<Float>, ldb: Int, layout: MatrixLayout
    var c: UnsafeMutablePointer<Float>, ldc: Int
    var accumulate: Bool
}

/// Row-major FP32 matrix multiplication C[M×N] (+)= A[M×K] · B.
///
/// Two paths, chosen by the parameter set: the blocked GotoBLAS/BLIS path (packed panels, cache blocks
/// MC/KC/NC, a registered MR×NR micro-kernel; compute-bound shapes) and the skinny path (M ≤ 16 decode
/// shapes, bandwidth-bound: streams B once, no packing).
public enum Matmul {
    /// The family name in messages (the typed id is `KernelFamilyID.matmul`).
    public static let family = KernelFamilyID.matmul.rawValue

    /// Computes C = A·B, or C += A·B when `accumulate`. B is [K×N] for `.kn` and [N×K] for `.nk`.
    /// Throws before touching any memory when the shape, strides or parameters are invalid, when the
    /// parameters ask for more threads than `pool` has or for a SIMD width this CPU lacks.
    public static func run(m: Int, n: Int, k: Int,
                           a: UnsafePointer<Float>, lda: Int,
                           b: UnsafePointer<Float>, ldb: Int, bLayout: MatrixLayout,
                           c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool,
                           params: MatmulParams, pool: WorkerPool) throws(KernelError) {
        try validate(m: m, n: n, k: k, lda: lda, ldb: ldb, bLayout: bLayout, ldc: ldc, params: params, pool: pool)
        let problem = MatmulProblem(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, layout: bLayout,
                                    c: c, ldc: ldc, accumulate: accumulate)
        if params.path == 1 {
            SkinnyMatmul.run(problem, params, pool)
        } else if let kernel = MicroKernelRegistry.kernel(lanes: params.lanes, mr: params.mr, nr: params.nr) {
            kernel.blocked(problem, params, pool)
        }
    }

    /// The checks `run` performs, callable on their own (the tuner uses them to reject a candidate).
    public static func validate(m: Int, n: Int, k: Int, lda: Int, ldb: Int, bLayout: MatrixLayout, ldc: Int,
                                params: MatmulParams, pool: WorkerPool,
                                maxLanes: Int = HostCPU.maxSIMDLanes) throws(KernelError) {
        var bad: [String] = []
        if m < 1 || n < 1 || k < 1 { bad.append("M, N and K must be at least 1 (got \(m)x\(n)x\(k))") }
        if lda < k { bad.append("lda=\(lda) is smaller than K=\(k)") }
        let minLdb = bLayout == .kn ? n : k
        if ldb < minLdb { bad.append("ldb=\(ldb) is smaller than \(bLayout == .kn ? "N" : "K")=\(minLdb) for layout \(bLayout)") }
        if ldc < n { bad.append("ldc=\(ldc) is smaller than N=\(n)") }
        if bad.isEmpty {
            let bRows = bLayout == .kn ? k : n
            if ShapeArithmetic.floats(m, lda) == nil || ShapeArithmetic.floats(bRows, ldb) == nil || ShapeArithmetic.floats(m, ldc) == nil {
                bad.append("\(m)x\(n)x\(k) with lda=\(lda), ldb=\(ldb), ldc=\(ldc) addresses more than 2^56 bytes (buffer size overflows)")
            }
        }
        if !bad.isEmpty { throw .invalidShape(kernel: family, reason: bad.joined(separator: "; ")) }
        if params.lanes > maxLanes {
            throw .unsupported(kernel: family, reason: "lanes=\(params.lanes) but this CPU executes at most \(maxLanes) Float lanes")
        }
        if params.threads > pool.threadCount {
            throw .invalidParameters(kernel: family, params: params.description,
                                     violations: ["threads=\(params.threads) exceeds the pool's \(pool.threadCount) threads"])
        }
    }

    /// The oracle: a plain triple loop accumulating in Double, single-threaded.
    public static func reference(m: Int, n: Int, k: Int,
                                 a: UnsafePointer<Float>, lda: Int,
                                 b: UnsafePointer<Float>, ldb: Int, bLayout: MatrixLayout,
                                 c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let bv = bLayout == .kn ? b[p * ldb + j] : b[j * ldb + p]
                    s += Double(a[i * lda + p]) * Double(bv)
                }
                c[i * ldc + j] = accumulate ? c[i * ldc + j] + Float(s) : Float(s)
            }
        }
    }

    /// Splits `0..<total` into `parts` nearly equal ranges whose boundaries are multiples of `quantum`.
    @inline(__always)
    static func chunk(_ index: Int, of parts: Int, total: Int, quantum: Int) -> Range<Int> {
        let units = (total + quantum - 1) / quantum
        let lo = units * index / parts, hi = units * (index + 1) / parts
        return min(total, lo * quantum)..<min(total, hi * quantum)
    }
}
