extension KernelFamilyID {
    /// FP32 matmul C[M×N] = A[M×K] · B (B an [N×K] weight, or [K×N] for BLAS layout).
    public static let matmul = KernelFamilyID(rawValue: "matmul")
}

/// The matmul family: shape `MxNxK` (B is an [N×K] weight, the inference layout) or `MxNxK/kn`.
public enum MatmulContract: KernelFamilyContract {
    public typealias Shape = MatmulShape

    public static let parameters: [ParameterRule] = [
        ParameterRule("path", 0...1, help: "0: blocked GotoBLAS path, 1: skinny streaming path (M ≤ 16)"),
        ParameterRule("lanes", ParameterLimits.lanes, help: "SIMD width in Float lanes"),
        ParameterRule("mr", 1...64, help: "register tile rows"),
        ParameterRule("nr", 1...256, help: "register tile columns"),
        ParameterRule("mc", 1...(1 << 16), help: "rows of A per packed block (L2)"),
        ParameterRule("kc", 1...(1 << 16), help: "reduction depth per packed block (L1)"),
        ParameterRule("nc", 1...(1 << 20), help: "columns of B per packed block (L3)"),
        ParameterRule("threads", ParameterLimits.threads, help: "threads used"),
        ParameterRule("split", 0...2, help: "loop the threads divide: 0 = N (jc), 1 = M (ic), 2 = N in dynamic chunks"),
        ParameterRule("sn", 1...(1 << 20), help: "skinny: output columns per task"),
        ParameterRule("su", 1...8, help: "skinny: weight rows / vectors per step"),
        ParameterRule("sr", 1...8, help: "skinny: rows of A per register group"),
        ParameterRule("sk", 0...(1 << 24), help: "skinny: K chunk of A kept in cache (0: all of K)"),
        ParameterRule("pf", 0...16384, help: "skinny: prefetch distance in bytes ahead in each weight row (0: none)"),
        ParameterRule("pn", 0...2, absent: 0,
                      help: "skinny, M > sr: prefetch the next weight tile spread over the row groups (0: none, 1: into L2, 2: into L1)"),
    ]
}

/// An M×N×K matmul shape and the layout of B. Bucketed by M (the token count at run time).
public struct MatmulShape: KernelShape {
    public static var family: KernelFamilyID { .matmul }
    public static let grammar = "MxNxK (B as [N×K] weight) or MxNxK/kn, e.g. 1x576x576"

    public var m: Int, n: Int, k: Int
    public var layout: MatrixLayout

    /// A shape; throws `invalidShape` for non-positive sizes or an operand beyond 2³¹ elements.
    public init(m: Int, n: Int, k: Int, layout: MatrixLayout = .nk) throws(KernelError) {
        guard (1...ShapeLimits.dimension).contains(m), (1...ShapeLimits.dimension).contains(n),
              (1...ShapeLimits.dimension).contains(k) else {
            throw .invalidShape(kernel: Self.family.rawValue,
                                reason: "M, N, K must be in 1...\(ShapeLimits.dimension), got \(m)x\(n)x\(k)")
        }
        guard m * k <= ShapeLimits.operandElements, n * k <= ShapeLimits.operandElements,
              m * n <= ShapeLimits.operandElements else {
            throw .invalidShape(kernel: Self.family.rawValue, reason: "\(m)x\(n)x\(k) has an operand over 2^31 elements")
        }
        self.m = m; self.n = n; self.k = k; self.layout = layout
    }

    /// Parses `MxNxK` or `MxNxK/kn` (also `/nk`).
    public init(key: String) throws(KernelError) {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        var layout = MatrixLayout.nk
        if parts.count == 2 {
            guard let l = MatrixLayout(rawValue: String(parts[1])) else {
                throw .invalidShape(kernel: Self.family.rawValue, reason: "layout '\(parts[1])' in '\(key)' is not kn or nk")
            }
            layout = l
        }
        let dims = (parts.first ?? "").split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count <= 2, dims.count == 3, let m = dims[0], let n = dims[1], let k = dims[2] else {
            throw .invalidShape(kernel: Self.family.rawValue, reason: "shape '\(key)' is not MxNxK[/kn|/nk] (e.g. 1x576x576)")
        }
        try self.init(m: m, n: n, k: k, layout: layout)
    }

    public var key: String { "\(m)x\(n)x\(k)" + (layout == .kn ? "/kn" : "") }

    public var bucket: MatmulShape {
        var b = self
        b.m = Bucket.of(m)
        return b
    }

    public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
    public var bytes: Double { 4 * (Double(m) * Double(k) + Double(k) * Double(n) + Double(m) * Double(n)) }
}
