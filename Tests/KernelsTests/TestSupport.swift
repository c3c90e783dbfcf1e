@testable import Kernels

/// Deterministic operands for kernel tests: the library's SplitMix64, values in [-1, 1).
struct TestRandom {
    var generator: SplitMix64
    init(seed: UInt64) { generator = SplitMix64(seed: seed) }
    mutating func float() -> Float { generator.symmetric() }
    mutating func array(_ count: Int) -> [Float] { (0..<count).map { _ in float() } }
}

/// Runs `Matmul.run` and the reference on the same random operands (padded leading dimensions, optional
/// accumulation) and returns the largest |ours − reference| / (|reference| + 1).
func matmulError(m: Int, n: Int, k: Int, layout: MatrixLayout, accumulate: Bool, params: MatmulParams,
                 pool: WorkerPool, seed: UInt64 = 1) throws -> Double {
    var rng = TestRandom(seed: seed)
    let lda = k + 3, ldc = n + 5
    let ldb = layout == .kn ? n + 1 : k + 2
    let a = rng.array(m * lda)
    let b = rng.array((layout == .kn ? k : n) * ldb)
    let c0 = rng.array(m * ldc)
    var ours = c0, ref = c0
    try a.withUnsafeBufferPointer { pa in
        try b.withUnsafeBufferPointer { pb in
            try ours.withUnsafeMutableBufferPointer { pc in
                try Matmul.run(m: m, n: n, k: k, a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb,
                               bLayout: layout, c: pc.baseAddress!, ldc: ldc, accumulate: accumulate,
                               params: params, pool: pool)
            }
            ref.withUnsafeMutableBufferPointer { pc in
                Matmul.reference(m: m, n: n, k: k, a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb,
                                 bLayout: layout, c: pc.baseAddress!, ldc: ldc, accumulate: accumulate)
            }
        }
    }
    var worst = 0.0
    for i in 0..<m {
        for j in 0..<n {
            let r = Double(ref[i * ldc + j]), o = Double(ours[i * ldc + j])
            worst = max(worst, abs(o - r) / (abs(r) + 1))
            if !o.isFinite { return .infinity }
        }
        // Padding columns of C beyond N must be untouched.
        for j in n..<ldc where ours[i * ldc + j] != c0[i * ldc + j] { return .infinity }
    }
    return worst
}

func params(_ text: String) throws(KernelError) -> MatmulParams {
    try MatmulParams(ParameterSet(parsing: text))
}
