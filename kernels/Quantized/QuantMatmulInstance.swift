#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A quantized matmul benchmark instance (`TunableKernel`) of family "matmul.<format>": y[M×N] = x[M×K]·Wᵀ
/// with W a random valid N×K matrix of `format` and x in [−1, 1).
///
/// Shape key: `MxNxK` (as for the FP32 matmul). `copies` > 1 allocates that many copies of W and each
/// `run` uses the next one, so that a decode call finds its weights cold (in DRAM) when the copies
/// together exceed the last-level cache, as in a model's forward pass.
///
/// Verification: outputs of every row against up to 384 weight rows (all when N ≤ 384: edges, plus a
/// seeded random sample), each compared with `QuantMatmul.reference` computed in Double. The reported
/// error is |got − ref| divided by the stated tolerance, so the bound is 1:
/// - tolerance = 32·K·2⁻²⁴·Σₖ|xₖ|·(|wₖ| + max|w| of wₖ's 32-value block)   (FP32 summation and the
///   register dequantization u·d + c instead of d·(q − o); both modes)
/// - plus, with int8 activations, Σₖ|wₖ|·max|x| of xₖ's 32-value block (Q4_K: 256-value super-block,
///   the activations' scale block there) / 254 (the activation rounding).
public final class QuantMatmulInstance: TunableKernel, @unchecked Sendable {
    /// The group id (`matmul.quant`); `family` is this instance's own `matmul.<format>` id.
    public static var family: KernelFamilyID { .matmulQuantized }
    /// The `matmul.<format>` family of this instance's weights.
    public var family: KernelFamilyID { QuantMatmul.family(format) }

    public let format: QuantFormat
    public let m: Int, n: Int, k: Int
    public let pool: WorkerPool
    public let storage: QuantizedMatrixStorage
    public let x: UnsafeMutablePointer<Float>
    public let y: UnsafeMutablePointer<Float>
    private var nextCopy = 0
    private var sampleRows: [Int] = []
    private var sampleDense: [Float] = []

    public init(format: QuantFormat, m: Int, n: Int, k: Int, pool: WorkerPool, copies: Int = 1, seed: UInt64 = 1) throws(KernelError) {
        let name = QuantMatmul.family(format).rawValue
        guard m > 0, n > 0, k > 0, m <= 1 << 16, n <= 1 << 20, k <= 1 << 20 else {
            throw .invalidShape(kernel: name, reason: "M, N, K must be in 1...65536, 1...2^20, 1...2^20, got \(m)x\(n)x\(k)")
        }
        do {
            storage = try QuantizedMatrixStorage(format: format, rows: n, cols: k, copies: copies, seed: seed)
        } catch {
            throw .invalidShape(kernel: name, reason: error.description)
        }
        self.format = format; self.m = m; self.n = n; self.k = k; self.pool = pool
        x = .allocate(capacity: m * k)
        y = .allocate(capacity: m * n)
        var random = SplitMix64(seed: seed ^ 0x9e37)
        for i in 0..<(m * k) { x[i] = random.symmetric() }
        y.initialize(repeating: 0, count: m * n)
    }

    /// Parses `MxNxK` for `format`.
    public convenience init(format: QuantFormat, shapeKey: String, pool: WorkerPool, copies: Int = 1, seed: UInt64 = 1) throws(KernelError) {
        let dims = shapeKey.split(separator: "x").map { Int($0) }
        guard dims.count == 3, let m = dims[0], let n = dims[1], let k = dims[2] else {
            throw .invalidShape(kernel: QuantMatmul.family(format).rawValue, reason: "shape '\(shapeKey)' is not MxNxK (e.g. 1x4096x4096)")
        }
        try self.init(format: format, m: m, n: n, k: k, pool: pool, copies: copies, seed: seed)
    }

    /// The benchmark instance of a contract shape (`S` must be `format`'s shape type), with cold weight
    /// copies for decode shapes (`coldCopies`).
    public static func make<S: QuantMatmulShape>(_ shape: S, format: QuantFormat, pool: WorkerPool, seed: UInt64) throws(KernelError) -> QuantMatmulInstance {
        guard format.shapeType.family == S.family else {
            throw .invalidShape(kernel: S.family.rawValue, reason: "shape '\(shape.key)' is not a \(format.name) shape")
        }
        let matrixBytes = format.rowBytes(cols: shape.k) * shape.n
        let copies = coldCopies(m: shape.m, matrixBytes: matrixBytes)
        return try QuantMatmulInstance(format: format, m: shape.m, n: shape.n, k: shape.k, pool: pool, copies: copies, seed: seed)
    }

    deinit { x.deallocate(); y.deallocate() }

    /// Weight copies for a model-like (cold) measurement: decode shapes (M ≤ 16) rotate through copies that
    /// together exceed 3× the last-level cache, so every call reads its weights from DRAM as in a
    /// forward pass through many layers; prefill shapes reuse their weights M times and use one copy.
    public static func coldCopies(m: Int, matrixBytes: Int, l3Bytes: Int = MachineTraits.host().l3Bytes) -> Int {
        m <= 16 ? min(256, max(1, (3 * l3Bytes + matrixBytes - 1) / max(1, matrixBytes))) : 1
    }

    public var shapeKey: String { "\(m)x\(n)x\(k)" }
    public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
    /// Quantized weight bytes + FP32 activations in and results out.
    public var weightBytes: Double { Double(storage.matrixBytes) }
    public var bytes: Double { weightBytes + 4 * (Double(m) * Double(k) + Double(m) * Double(n)) }

    public func searchSpace(on machine: MachineTraits) -> SearchSpace {
        QuantMatmul.searchSpace(m: m, n: n, k: k, format: format, on: machine)
    }

    public func analyticalDefault(on machine: MachineTraits) -> ParameterSet {
        QuantMatmul.analyticalDefault(m: m, n: n, k: k, format: format, on: machine)
    }

    public func run(_ params: ParameterSet) throws(KernelError) {
        let p = try QuantMatmulParams(params)
        let w = storage.matrix(copy: nextCopy)
        nextCopy = (nextCopy + 1) % storage.copies
        try QuantMatmul.run(m: m, x: x, ldx: k, weights: w, y: y, ldy: n, params: p, pool: pool)
    }

    public func verify(_ params: ParameterSet) throws(KernelError) -> Verification {
        let p = try QuantMatmulParams(params)
        y.update(repeating: .nan, count: m * n)
        try QuantMatmul.run(m: m, x: x, ldx: k, weights: storage.matrix(copy: 0), y: y, ldy: n, params: p, pool: pool)
        prepareSample()
        let integer = p.path == 0 && p.act == 0
        // The activations' int8 blocks: 32 values, or 256 (one scale per Q4_K super-block, Q8_K-like).
        let actBlock = format == .q4_K ? 256 : 32
        var worst = 0.0
        let blocksPer = (k + 31) / 32
        var xmax = [Double](repeating: 0, count: blocksPer)
        var wmax = [Double](repeating: 0, count: blocksPer)
        for i in 0..<m {
            let xr = x + i * k
            for b in 0..<blocksPer {
                let lo = b * 32 / actBlock * actBlock
                var a = 0.0
                for t in lo..<min(k, lo + actBlock) { a = max(a, Double(abs(xr[t]))) }
                xmax[b] = a
            }
            for (si, j) in sampleRows.enumerated() {
                let wr = si * k
                for b in 0..<blocksPer {
                    var a = 0.0
                    for t in (32 * b)..<min(k, 32 * b + 32) { a = max(a, Double(abs(sampleDense[wr + t]))) }
                    wmax[b] = a
                }
                var ref = 0.0, mag = 0.0, qerr = 0.0
                for t in 0..<k {
                    let xv = Double(xr[t]), wv = Double(sampleDense[wr + t])
                    ref += xv * wv
                    mag += abs(xv) * (abs(wv) + wmax[t / 32])
                    qerr += abs(wv) * xmax[t / 32] / 254
                }
                let tol = 32 * Double(k) * 0x1p-24 * mag + (integer ? qerr : 0) + 1e-30
                let got = Double(y[i * n + j])
                worst = max(worst, got.isFinite ? abs(got - ref) / tol : .infinity)
            }
        }
        // Every output must have been written (NaN-filled before the run).
        for i in 0..<(m * n) where !y[i].isFinite { worst = .infinity; break }
        return Verification(maxError: worst, bound: 1)
    }

    /// The weight rows checked, dequantized once with the reference.
    private func prepareSample() {
        guard sampleRows.isEmpty else { return }
        if n <= 384 {
            sampleRows = Array(0..<n)
        } else {
            var set = Set([0, 1, 2, 3, n - 4, n - 3, n - 2, n - 1])
            var random = SplitMix64(seed: 0x5eed)
            while set.count < 384 { set.insert(Int(random.next() % UInt64(n))) }
            sampleRows = set.sorted()
        }
        sampleDense = [Float](repeating: 0, count: sampleRows.count * k)
        let w = storage.matrix(copy: 0)
        sampleDense.withUnsafeMutableBufferPointer { buf in
            for (si, j) in sampleRows.enumerated() { w.dequantizeRow(j, into: buf.baseAddress! + si * k) }
        }
    }
}
