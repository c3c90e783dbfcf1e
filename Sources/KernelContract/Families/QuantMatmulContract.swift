extension KernelFamilyID {
    /// Quantized matmul y[M×N] = x[M×K]·Wᵀ with W an [N×K] matrix kept in a GGUF block format: one family
    /// per format, because each format has its own kernels, parameters and tuned entries.
    public static let matmulQ8_0 = KernelFamilyID(rawValue: "matmul.q8_0")
    public static let matmulQ4_0 = KernelFamilyID(rawValue: "matmul.q4_0")
    public static let matmulQ4_1 = KernelFamilyID(rawValue: "matmul.q4_1")
    public static let matmulQ5_0 = KernelFamilyID(rawValue: "matmul.q5_0")
    public static let matmulQ4_K = KernelFamilyID(rawValue: "matmul.q4_k")
    public static let matmulQ6_K = KernelFamilyID(rawValue: "matmul.q6_k")
    public static let matmulF16 = KernelFamilyID(rawValue: "matmul.f16")
    public static let matmulBF16 = KernelFamilyID(rawValue: "matmul.bf16")
    /// The group of the `matmul.<format>` families (not a registry row): named by errors raised before a
    /// matrix's format is known, e.g. a parameter set that no quantized kernel accepts.
    public static let matmulQuantized = KernelFamilyID(rawValue: "matmul.quant")
}

/// The shared contract of the quantized matmul families `matmul.<format>`: the parameters of the decode
/// path (weights streamed once per call) and the prefill path (dequantized packed panels).
public enum QuantMatmulContract<Shape: QuantMatmulShape>: KernelFamilyContract {
    public static var parameters: [ParameterRule] { QuantMatmulRules.parameters }
}

/// The parameter names and ranges every `matmul.<format>` family shares.
public enum QuantMatmulRules {
    public static let parameters: [ParameterRule] = [
        ParameterRule("path", 0...1, help: "0: decode (stream weights once per call), 1: prefill (dequantized packed panels)"),
        ParameterRule("act", 0...1, help: "decode: 0 int8 activations (integer dot products), 1 FP32 activations"),
        ParameterRule("threads", ParameterLimits.threads, help: "threads used"),
        ParameterRule("rn", 1...(1 << 20), help: "decode: weight rows (outputs) per task"),
        ParameterRule("su", 1...4, help: "decode: weight rows per step"),
        ParameterRule("sr", 1...4, help: "decode: activation rows per register group"),
        ParameterRule("pf", 0...(1 << 16), help: "decode: prefetch distance in bytes (0: none)"),
        ParameterRule("lanes", ParameterLimits.lanes, help: "prefill: SIMD width in Float lanes"),
        ParameterRule("mr", 1...64, help: "prefill: register tile rows"),
        ParameterRule("nr", 1...256, help: "prefill: register tile columns"),
        ParameterRule("mc", 1...(1 << 16), help: "prefill: rows of x per packed block"),
        ParameterRule("kc", 1...(1 << 16), help: "prefill: K per packed block (a multiple of 256)"),
        ParameterRule("nc", 1...(1 << 20), help: "prefill: weight rows per packed block"),
        ParameterRule("isa", 0...2, help: "decode: instruction set, 0 portable, 1 AVX2, 2 AVX-512"),
    ]
}

/// The shape of one `matmul.<format>` family: `MxNxK`, y = x·Wᵀ with W [N×K] in the format (K a multiple
/// of its block). Conforming types differ only in the format constants; key, parse, bucket, FLOPs and
/// bytes are shared. Bucketed by M (the token count at run time). `bytes` counts the quantized weight
/// bytes (blocks × block size) plus FP32 activations in and results out.
public protocol QuantMatmulShape: KernelShape {
    /// The format's lower-case name, as in the family id ("q4_k").
    static var formatName: String { get }
    /// Values per block (32, or 256 for K-quants; 1 for F16/BF16).
    static var blockElements: Int { get }
    /// Bytes per block.
    static var blockBytes: Int { get }
    var m: Int { get set }
    var n: Int { get set }
    var k: Int { get set }
    /// An unchecked value; use `init(m:n:k:)`.
    init(unchecked m: Int, _ n: Int, _ k: Int)
}

extension QuantMatmulShape {
    public static var grammar: String {
        "MxNxK (y = x·Wᵀ, W [N×K] in \(formatName); K a multiple of \(blockElements)), e.g. 1x4096x4096"
    }

    /// A shape; throws `invalidShape` for non-positive sizes, K not a multiple of the block, or an
    /// operand beyond 2³¹ elements.
    public init(m: Int, n: Int, k: Int) throws(KernelError) {
        guard (1...ShapeLimits.dimension).contains(m), (1...ShapeLimits.dimension).contains(n),
              (1...ShapeLimits.dimension).contains(k) else {
            throw .invalidShape(kernel: Self.family.rawValue,
                                reason: "M, N, K must be in 1...\(ShapeLimits.dimension), got \(m)x\(n)x\(k)")
        }
        guard k % Self.blockElements == 0 else {
            throw .invalidShape(kernel: Self.family.rawValue,
                                reason: "K = \(k) is not a multiple of the \(Self.formatName) block (\(Self.blockElements) values)")
        }
        guard m * k <= ShapeLimits.operandElements, n * k <= ShapeLimits.operandElements,
              m * n <= ShapeLimits.operandElements else {
            throw .invalidShape(kernel: Self.family.rawValue, reason: "\(m)x\(n)x\(k) has an operand over 2^31 elements")
        }
        self.init(unchecked: m, n, k)
    }

    /// Parses `MxNxK`.
    public init(key: String) throws(KernelError) {
        let dims = key.split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
        guard dims.count == 3, let m = dims[0], let n = dims[1], let k = dims[2] else {
            throw .invalidShape(kernel: Self.family.rawValue, reason: "shape '\(key)' is not MxNxK (e.g. 1x4096x4096)")
        }
        try self.init(m: m, n: n, k: k)
    }

    public var key: String { "\(m)x\(n)x\(k)" }

    public var bucket: Self {
        var b = self
        b.m = Bucket.of(m)
        return b
    }

    public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
    public var bytes: Double {
        Double(n) * Double(k / Self.blockElements) * Double(Self.blockBytes) + 4 * (Double(m) * Double(k) + Double(m) * Double(n))
    }
}

/// `matmul.q8_0`: 32 values per 34-byte block.
public struct QuantMatmulShapeQ8_0: QuantMatmulShape {
    public static var family: KernelFamilyID { .matmulQ8_0 }
    public static let formatName = "q8_0", blockElements = 32, blockBytes = 34
    public var m: Int, n: Int, k: Int
    public init(unchecked m: Int, _ n: Int, _ k: Int) { self.m = m; self.n = n; self.k = k }
}

/// `matmul.q4_0`: 32 values per 18-byte block.
public struct QuantMatmulShapeQ4_0: QuantMatmulShape {
    public static var family: KernelFamilyID { .matmulQ4_0 }
    public static let formatName = "q4_0", blockElements = 32, blockBytes = 18
    public var m: Int, n: Int, k: Int
    public init(unchecked m: Int, _ n: Int, _ k: Int) { self.m = m; self.n = n; self.k = k }
}

/// `matmul.q4_1`: 32 values per 20-byte block.
public struct QuantMatmulShapeQ4_1: QuantMatmulShape {
    public static var family: KernelFamilyID { .matmulQ4_1 }
    public static let formatName = "q4_1", blockElements = 32, blockBytes = 20
    public var m: Int, n: Int, k: Int
    public init(unchecked m: Int, _ n: Int, _ k: Int) { self.m = m; self.n = n; self.k = k }
}

/// `matmul.q5_0`: 32 values per 22-byte block.
public struct QuantMatmulShapeQ5_0: QuantMatmulShape {
    public static var family: KernelFamilyID { .matmulQ5_0 }
    public static let formatName = "q5_0", blockElements = 32, blockBytes = 22
    public var m: Int, n: Int, k: Int
    public init(unchecked m: Int, _ n: Int, _ k: Int) { self.m = m; self.n = n; self.k = k }
}

/// `matmul.q4_k`: 256 values per 144-byte super-block.
public struct QuantMatmulShapeQ4_K: QuantMatmulShape {
    public static var family: KernelFamilyID { .matmulQ4_K }
    public static let formatName = "q4_k", blockElements = 256, blockBytes = 144
    public var m: Int, n: Int, k: Int
    public init(unchecked m: Int, _ n: Int, _ k: Int) { self.m = m; self.n = n; self.k = k }
}

/// `matmul.q6_k`: 256 values per 210-byte super-block.
public struct QuantMatmulShapeQ6_K: QuantMatmulShape {
    public static var family: KernelFamilyID { .matmulQ6_K }
    public static let formatName = "q6_k", blockElements = 256, blockBytes = 210
    public var m: Int, n: Int, k: Int
    public init(unchecked m: Int, _ n: Int, _ k: Int) { self.m = m; self.n = n; self.k = k }
}

/// `matmul.f16`: IEEE half per value.
public struct QuantMatmulShapeF16: QuantMatmulShape {
    public static var family: KernelFamilyID { .matmulF16 }
    public static let formatName = "f16", blockElements = 1, blockBytes = 2
    public var m: Int, n: Int, k: Int
    public init(unchecked m: Int, _ n: Int, _ k: Int) { self.m = m; self.n = n; self.k = k }
}

/// `matmul.bf16`: bfloat16 per value.
public struct QuantMatmulShapeBF16: QuantMatmulShape {
    public static var family: KernelFamilyID { .matmulBF16 }
    public static let formatName = "bf16", blockElements = 1, blockBytes = 2
    public var m: Int, n: Int, k: Int
    public init(unchecked m: Int, _ n: Int, _ k: Int) { self.m = m; self.n = n; self.k = k }
}
