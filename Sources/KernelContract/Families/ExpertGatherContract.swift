extension KernelFamilyID {
    /// Mixture-of-experts: each token's rows through its top-k SwiGLU experts, weighted and summed.
    public static let expertGather = KernelFamilyID(rawValue: "expert-gather")
}

/// `expert-gather`: shape `T=N,h=N,f=N,e=N,k=N`.
public enum ExpertGatherContract: KernelFamilyContract {
    public typealias Shape = ExpertGatherShape

    public static let parameters: [ParameterRule] = [
        ParameterRule("order", 0...1, help: "0 expert-major, 1 token-major batches"),
        ParameterRule("chunk", 1...(1 << 20), help: "rows (expert-major) or tokens (token-major) per batch"),
        ParameterRule("split", 0...1, help: "threads: 0 across experts, 1 inside an expert"),
        ParameterRule("merge", 1...(1 << 20), help: "small-expert merging threshold in rows (1 = none)"),
        ParameterRule("lanes", ParameterLimits.lanes, help: "SIMD width of the expert matmuls"),
        ParameterRule("sr", 1...8, help: "rows of x per register group in the expert matmuls"),
        ParameterRule("threads", ParameterLimits.threads, help: "threads used"),
        ParameterRule("stage", 0...1, help: "1: stream each expert matrix into L2 before its matmul, 0: matmul prefetch only"),
        ParameterRule("pn", 0...2, absent: 0,
                      help: "expert matmuls: next weight tile prefetched over the row groups (0: none, 1: into L2, 2: into L1)"),
    ]
}

/// `tokens` rows of width `hidden` through `topK` of `experts` SwiGLU experts of inner width `ffn`.
/// Bucketed by `tokens`.
public struct ExpertGatherShape: KernelShape {
    public static var family: KernelFamilyID { .expertGather }
    public static let grammar = "T=N,h=N,f=N,e=N,k=N, e.g. T=128,h=512,f=256,e=64,k=6"
    static let fields = ["T", "h", "f", "e", "k"]

    public var tokens: Int, hidden: Int, ffn: Int, experts: Int, topK: Int

    public init(tokens: Int, hidden: Int, ffn: Int, experts: Int, topK: Int) throws(KernelError) {
        var bad: [String] = []
        for (name, value, limit) in [("T", tokens, ShapeLimits.dimension), ("h", hidden, 1 << 16), ("f", ffn, 1 << 16),
                                     ("e", experts, 1 << 12), ("k", topK, 1 << 12)] where value < 1 || value > limit {
            bad.append("\(name) must be in 1...\(limit), got \(value)")
        }
        if topK >= 1, experts >= 1, topK > experts { bad.append("k (\(topK)) must not exceed e (\(experts))") }
        if bad.isEmpty, tokens * topK * hidden > ShapeLimits.operandElements || experts * hidden * ffn > ShapeLimits.operandElements {
            bad.append("an operand exceeds 2^31 elements")
        }
        if !bad.isEmpty { throw .invalidShape(kernel: Self.family.rawValue, reason: bad.joined(separator: "; ")) }
        self.tokens = tokens; self.hidden = hidden; self.ffn = ffn; self.experts = experts; self.topK = topK
    }

    public init(key: String) throws(KernelError) {
        let f = try ShapeFields.parse(key, family: Self.family, fields: Self.fields)
        try self.init(tokens: ShapeFields.value(f, "T"), hidden: ShapeFields.value(f, "h"), ffn: ShapeFields.value(f, "f"),
                      experts: ShapeFields.value(f, "e"), topK: ShapeFields.value(f, "k"))
    }

    public var key: String { "T=\(tokens),h=\(hidden),f=\(ffn),e=\(experts),k=\(topK)" }

    public var bucket: ExpertGatherShape {
        var b = self
        b.tokens = Bucket.of(tokens)
        return b
    }

    /// Three matmuls per routed row: 2·(2·h·f) for gate and up, 2·f·h for down.
    public var flops: Double { 6 * Double(tokens * topK) * Double(hidden) * Double(ffn) }
    /// The weights of at most min(experts, rows) experts (read once), x read, out written.
    public var bytes: Double {
        4 * (3 * Double(min(experts, tokens * topK)) * Double(hidden) * Double(ffn) + 2 * Double(tokens * hidden))
    }
}
