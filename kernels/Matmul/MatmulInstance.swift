#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A matmul benchmark instance (`TunableKernel`): one M×N×K shape and B layout with operands allocated
/// (page-aligned, leading dimensions = the natural ones) and filled with deterministic values in [−1, 1).
///
/// Shape key grammar: `MxNxK` for the inference layout (`.nk`, B is an [N×K] weight) — the key Models'
/// `KernelWorkload` produces — and `MxNxK/kn` for BLAS layout. Verification compares with
/// `Matmul.reference`: all outputs when M·N·K ≤ 2²⁷ and M·N ≤ 2²², otherwise 4,096 sampled outputs (every sampled
/// element is exact, so the check stays O(K) per sample); bound 8·K·2⁻²⁴ + 10⁻⁶ relative to |ref| + 1.
public final class MatmulInstance: TunableKernel, @unchecked Sendable {
    public static var family: KernelFamilyID { .matmul }

    public let m: Int, n: Int, k: Int
    public let layout: MatrixLayout
    public let pool: WorkerPool
    public let a: UnsafeMutablePointer<Float>
    /// The weight operand (the first of `weightCopies`; all copies hold the same values).
    public let b: UnsafeMutablePointer<Float>
    /// Copies of B that `run` rotates through (one unless built with `coldWeightBytes`).
    public let weightCopies: [UnsafeMutablePointer<Float>]
    private var nextCopy = 0
    public let c: UnsafeMutablePointer<Float>
    public var lda: Int { k }
    public var ldb: Int { layout == .kn ? n : k }
    public var ldc: Int { n }

    /// Builds an instance; throws `invalidShape` for non-positive sizes or a product beyond 2³¹ elements.
    ///
    /// `coldWeightBytes` > 0 makes the instance cold: it holds enough copies of B (at most 256) that their
    /// total exceeds `coldWeightBytes` (pass more than the last-level cache) and each `run` uses the next
    /// copy, so B streams from memory as it does in a model's forward pass.
    public init(m: Int, n: Int, k: Int, layout: MatrixLayout, pool: WorkerPool, seed: UInt64 = 1,
                coldWeightBytes: Int = 0) throws(KernelError) {
        guard m > 0, n > 0, k > 0 else {
            throw .invalidShape(kernel: Matmul.family, reason: "M, N, K must be positive, got \(m)x\(n)x\(k)")
        }
        guard m.multipliedReportingOverflow(by: k).partialValue <= 1 << 31, n.multipliedReportingOverflow(by: k).partialValue <= 1 << 31,
              m.multipliedReportingOverflow(by: n).partialValue <= 1 << 31 else {
            throw .invalidShape(kernel: Matmul.family, reason: "\(m)x\(n)x\(k) has an operand over 2^31 elements")
        }
        self.m = m; self.n = n; self.k = k; self.layout = layout; self.pool = pool
        a = Self.allocate(m * k); b = Self.allocate(k * n); c = Self.allocate(m * n)
        var random = SplitMix64(seed: seed)
        for i in 0..<(m * k) { a[i] = random.symmetric() }
        for i in 0..<(k * n) { b[i] = random.symmetric() }
        c.initialize(repeating: 0, count: m * n)
        let bBytes = max(1, k * n * 4)
        let copies = coldWeightBytes > 0 ? min(256, max(1, coldWeightBytes / bBytes + 1)) : 1
        var all = [b]
        for _ in 1..<max(2, copies) where copies > 1 {
            let copy = Self.allocate(k * n)
            copy.update(from: b, count: k * n)
            all.append(copy)
        }
        weightCopies = all
        isCold = coldWeightBytes > 0
    }

    deinit { free(a); for w in weightCopies { free(w) }; free(c) }

    /// `cold` when built with `coldWeightBytes`: `run` rotates through copies of B, or B alone is larger
    /// than `coldWeightBytes` (then one copy already streams from memory).
    public var condition: WeightCondition { isCold ? .cold : .hot }
    private let isCold: Bool

    /// Parses `MxNxK` or `MxNxK/kn` (also `/nk`): the contract's `MatmulShape` grammar.
    public convenience init(shapeKey: String, pool: WorkerPool, seed: UInt64 = 1) throws(KernelError) {
        try self.init(MatmulShape(key: shapeKey), pool: pool, seed: seed)
    }

    /// An instance of the contract's typed shape.
    public convenience init(_ s: MatmulShape, pool: WorkerPool, seed: UInt64 = 1, coldWeightBytes: Int = 0) throws(KernelError) {
        try self.init(m: s.m, n: s.n, k: s.k, layout: s.layout, pool: pool, seed: seed, coldWeightBytes: coldWeightBytes)
    }

    public var shapeKey: String { "\(m)x\(n)x\(k)" + (layout == .kn ? "/kn" : "") }
    public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
    public var bytes: Double { 4 * (Double(m) * Double(k) + Double(k) * Double(n) + Double(m) * Double(n)) }

    public func searchSpace(on machine: MachineTraits) -> SearchSpace {
        Matmul.searchSpace(m: m, n: n, k: k, on: machine)
    }

    public func analyticalDefault(on machine: MachineTraits) -> ParameterSet {
        Matmul.analyticalDefault(m: m, n: n, k: k, on: machine)
    }

    public func run(_ params: ParameterSet) throws(KernelError) {
        let p = try MatmulParams(params)
        let weights = weightCopies[nextCopy]
        nextCopy = nextCopy + 1 == weightCopies.count ? 0 : nextCopy + 1
        try Matmul.run(m: m, n: n, k: k, a: a, lda: lda, b: weights, ldb: ldb, bLayout: layout, c: c, ldc: ldc,
                       accumulate: false, params: p, pool: pool)
    }

    public func verify(_ params: ParameterSet) throws(KernelError) -> Verification {
        c.update(repeating: .nan, count: m * n)   // stale results must not pass
        try run(params)
        let bound = 8 * Double(k) * 0x1p-24 + 1e-6
        let (index, expected) = referenceOutputs()
        var worst = 0.0
        for t in 0..<expected.count {
            let got = Double(c[index?[t] ?? t]), ref = Double(expected[t])
            worst = max(worst, got.isFinite ? abs(got - ref) / (abs(ref) + 1) : .infinity)
        }
        return Verification(maxError: worst, bound: bound)
    }

    /// The checked outputs and `Matmul.reference`'s value of each, rounded to Float: every output in C's
    /// order (`index` nil) when M·N·K ≤ 2²⁷ and M·N ≤ 2²² (so what is kept stays under 16 MB), else the
    /// corners and 4,096 seeded samples (`index` their offsets in C). The operands never change, so these
    /// are computed on the first `verify` and kept: a sweep verifies every candidate, and recomputing the
    /// reference each time was over half of a small-shape sweep's time.
    private func referenceOutputs() -> (index: [Int]?, expected: [Float]) {
        if let cached = reference { return cached }
        var index: [Int]?
        if !(Double(m) * Double(n) * Double(k) <= Double(1 << 27) && m * n <= 1 << 22) {
            var random = SplitMix64(seed: 0x5eed)
            var sampled = [0, (m - 1) * ldc + n - 1, n - 1, (m - 1) * ldc]
            for _ in 0..<4096 {
                let r = random.next()
                sampled.append(Int(r % UInt64(m)) * ldc + Int((r >> 32) % UInt64(n)))
            }
            index = sampled
        }
        let expected = (0..<(index?.count ?? m * n)).map { t -> Float in
            let at = index?[t] ?? t, i = at / ldc, j = at % ldc
            var s = 0.0
            for p in 0..<k {
                let bv = layout == .kn ? b[p * ldb + j] : b[j * ldb + p]
                s += Double(a[i * lda + p]) * Double(bv)
            }
            return Float(s)
        }
        reference = (index, expected)
        return (index, expected)
    }
    private var reference: (index: [Int]?, expected: [Float])?

    /// Huge-page operands like the model's weights (see `LargeBuffer`).
    static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        guard let p = LargeBuffer.floats(count) else { fatalError("MatmulInstance: cannot allocate \(count) floats") }
        return p
    }
}
