extension KernelFamilyID {
    /// Causal grouped-query attention of a block of new tokens over the cache (prompt processing).
    public static let attentionPrefill = KernelFamilyID(rawValue: "attention.prefill")
    /// One query token against the cache (token generation), split over the cache length.
    public static let attentionDecode = KernelFamilyID(rawValue: "attention.decode")
}

/// `attention.prefill`: shape `T=N,past=N,h=N,kv=N,d=N`.
public enum AttentionPrefillContract: KernelFamilyContract {
    public typealias Shape = AttentionPrefillShape

    public static let parameters: [ParameterRule] = [
        ParameterRule("lanes", ParameterLimits.lanes, help: "SIMD width in Float lanes"),
        ParameterRule("br", 4...4096, help: "query rows per block (a multiple of the 4-row register tile)"),
        ParameterRule("bc", 1...65536, help: "key columns per block (a multiple of lanes)"),
        ParameterRule("threads", ParameterLimits.threads, help: "threads used"),
    ]
}

/// `attention.decode`: shape `L=N,h=N,kv=N,d=N`.
public enum AttentionDecodeContract: KernelFamilyContract {
    public typealias Shape = AttentionDecodeShape

    public static let parameters: [ParameterRule] = [
        ParameterRule("lanes", ParameterLimits.lanes, help: "SIMD width in Float lanes"),
        ParameterRule("chunk", 1...(1 << 24), help: "cache rows per task (a multiple of block)"),
        ParameterRule("block", 1...65536, help: "cache rows per online-softmax step"),
        ParameterRule("threads", ParameterLimits.threads, help: "threads used"),
        ParameterRule("kvsplit", 1...256, help: "groups of KV heads per chunk (tasks = chunks × groups)"),
        ParameterRule("pf", 0...1024, help: "prefetch distance in cache rows (0: none)"),
    ]
}

/// Checks the head geometry shared by both attention shapes.
func checkHeads(_ family: KernelFamilyID, heads: Int, kvHeads: Int, headDim: Int, extra: [String]) throws(KernelError) {
    var bad = extra
    if heads < 1 || heads > 4096 { bad.append("h must be in 1...4096, got \(heads)") }
    if kvHeads < 1 || kvHeads > 4096 { bad.append("kv must be in 1...4096, got \(kvHeads)") }
    if headDim < 1 || headDim > 4096 { bad.append("d must be in 1...4096, got \(headDim)") }
    if heads >= 1, kvHeads >= 1, heads % kvHeads != 0 { bad.append("h (\(heads)) must be a multiple of kv (\(kvHeads))") }
    if !bad.isEmpty { throw .invalidShape(kernel: family.rawValue, reason: bad.joined(separator: "; ")) }
}

/// `tokens` new queries after `past` cached positions; `heads` query heads share `kvHeads` K/V heads of
/// `headDim`. Bucketed by `tokens` and `past`.
public struct AttentionPrefillShape: KernelShape {
    public static var family: KernelFamilyID { .attentionPrefill }
    public static let grammar = "T=N,past=N,h=N,kv=N,d=N, e.g. T=512,past=0,h=9,kv=3,d=64"
    static let fields = ["T", "past", "h", "kv", "d"]

    public var tokens: Int, past: Int, heads: Int, kvHeads: Int, headDim: Int

    public init(tokens: Int, past: Int, heads: Int, kvHeads: Int, headDim: Int) throws(KernelError) {
        var extra: [String] = []
        if tokens < 1 || tokens > ShapeLimits.dimension { extra.append("T must be in 1...\(ShapeLimits.dimension), got \(tokens)") }
        if past < 0 || past > ShapeLimits.dimension { extra.append("past must be in 0...\(ShapeLimits.dimension), got \(past)") }
        try checkHeads(Self.family, heads: heads, kvHeads: kvHeads, headDim: headDim, extra: extra)
        self.tokens = tokens; self.past = past; self.heads = heads; self.kvHeads = kvHeads; self.headDim = headDim
    }

    public init(key: String) throws(KernelError) {
        let f = try ShapeFields.parse(key, family: Self.family, fields: Self.fields)
        try self.init(tokens: ShapeFields.value(f, "T"), past: ShapeFields.value(f, "past"), heads: ShapeFields.value(f, "h"),
                      kvHeads: ShapeFields.value(f, "kv"), headDim: ShapeFields.value(f, "d"))
    }

    public var key: String { "T=\(tokens),past=\(past),h=\(heads),kv=\(kvHeads),d=\(headDim)" }

    public var bucket: AttentionPrefillShape {
        var b = self
        b.tokens = Bucket.of(tokens)
        b.past = Bucket.of(past)
        return b
    }

    /// Causal (query, key) pairs.
    public var pairs: Double { Double(tokens) * Double(past) + Double(tokens) * Double(tokens + 1) / 2 }
    /// Q·Kᵀ and P·V: 4·headDim flops per visible (query, key) pair and head.
    public var flops: Double { 4 * Double(headDim) * Double(heads) * pairs }
    public var bytes: Double {
        4 * (2 * Double(tokens * heads * headDim) + 2 * Double((past + tokens) * kvHeads * headDim))
    }
}

/// `queries` new tokens (1 in plain decode; up to `maxQueries` in speculative decode) against `length`
/// cached positions, the queries being the last `queries` of them. Bucketed by `length`.
public struct AttentionDecodeShape: KernelShape {
    public static var family: KernelFamilyID { .attentionDecode }
    public static let grammar = "L=N,h=N,kv=N,d=N[,q=N], e.g. L=512,h=9,kv=3,d=64 (q: query tokens, default 1)"
    static let fields = ["L", "h", "kv", "d"]
    /// Most query tokens one decode call takes (speculative decode drafts; longer blocks are prefill).
    public static let maxQueries = 16

    public var length: Int, heads: Int, kvHeads: Int, headDim: Int
    /// Query tokens: query i sits at position length − queries + i and attends to rows 0 ... that position.
    public var queries: Int

    public init(length: Int, heads: Int, kvHeads: Int, headDim: Int, queries: Int = 1) throws(KernelError) {
        var extra: [String] = []
        if length < 1 || length > ShapeLimits.dimension { extra.append("L must be in 1...\(ShapeLimits.dimension), got \(length)") }
        if queries < 1 || queries > Self.maxQueries { extra.append("q must be in 1...\(Self.maxQueries), got \(queries)") }
        else if length >= 1, queries > length { extra.append("q (\(queries)) must not exceed L (\(length)): the queries are the last cache rows") }
        try checkHeads(Self.family, heads: heads, kvHeads: kvHeads, headDim: headDim, extra: extra)
        self.length = length; self.heads = heads; self.kvHeads = kvHeads; self.headDim = headDim; self.queries = queries
    }

    public init(key: String) throws(KernelError) {
        let f = try ShapeFields.parse(key, family: Self.family, fields: Self.fields, optional: ["q": 1])
        try self.init(length: ShapeFields.value(f, "L"), heads: ShapeFields.value(f, "h"),
                      kvHeads: ShapeFields.value(f, "kv"), headDim: ShapeFields.value(f, "d"), queries: ShapeFields.value(f, "q"))
    }

    public var key: String { "L=\(length),h=\(heads),kv=\(kvHeads),d=\(headDim)" + (queries > 1 ? ",q=\(queries)" : "") }

    public var bucket: AttentionDecodeShape {
        var b = self
        b.length = Bucket.of(length)
        return b
    }

    public var flops: Double { 4 * Double(queries) * Double(heads * headDim) * Double(length) }
    public var bytes: Double { 4 * (2 * Double(queries * heads * headDim) + 2 * Double(length * kvHeads * headDim)) }
}
