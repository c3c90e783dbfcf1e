/// Largest |ours − reference| / (|reference| + 1) over `rows` rows of width `width` at `stride`.
func relativeError(_ ours: UnsafePointer<Float>, _ ref: UnsafePointer<Float>, rows: [Int], width: Int, stride: Int) -> Double {
    var worst = 0.0
    for r in rows {
        for x in 0..<width {
            let o = Double(ours[r * stride + x]), e = Double(ref[r * stride + x])
            if !o.isFinite { return .infinity }
            worst = max(worst, abs(o - e) / (abs(e) + 1))
        }
    }
    return worst
}

extension Attention {
    /// The bound every attention check uses, relative to |reference| + 1: 16·headDim·2⁻²⁴ (dot products
    /// and P·V over headDim in FP32) + 4·keys·2⁻²⁴ (softmax sums over the keys) + 10⁻⁵ (the 2ˣ polynomial).
    public static func errorBound(headDim: Int, keys: Int) -> Double {
        (16 * Double(headDim) + 4 * Double(keys)) * 0x1p-24 + 1e-5
    }
}

/// An `attention.prefill` benchmark instance. Shape key `T=512,past=0,h=9,kv=3,d=64`. Operands are
/// allocated once; verification compares up to 48 query rows (first, last, and spread between) with
/// `Attention.reference`, bound `Attention.errorBound`.
public final class AttentionPrefillInstance: TunableKernel, @unchecked Sendable {
    public static var family: KernelFamilyID { .attentionPrefill }
    public let tokens: Int, past: Int, shape: AttentionShape
    let pool: WorkerPool
    let q: OperandBuffer, k: OperandBuffer, v: OperandBuffer, out: OperandBuffer

    public init(tokens: Int, past: Int, shape: AttentionShape, pool: WorkerPool, seed: UInt64 = 1) throws(KernelError) {
        var bad = shape.violations
        if tokens < 1 { bad.append("T must be at least 1, got \(tokens)") }
        if past < 0 { bad.append("past must not be negative") }
        if !bad.isEmpty { throw .invalidShape(kernel: Self.family.rawValue, reason: bad.joined(separator: "; ")) }
        self.tokens = tokens; self.past = past; self.shape = shape; self.pool = pool
        var random = SplitMix64(seed: seed)
        let keys = past + tokens
        q = OperandBuffer(count: tokens * shape.heads * shape.headDim, random: &random)
        k = OperandBuffer(count: keys * shape.kvHeads * shape.headDim, random: &random)
        v = OperandBuffer(count: keys * shape.kvHeads * shape.headDim, random: &random)
        out = OperandBuffer(count: tokens * shape.heads * shape.headDim, random: &random, fill: false)
    }

    public convenience init(shapeKey: String, pool: WorkerPool, seed: UInt64 = 1) throws(KernelError) {
        try self.init(AttentionPrefillShape(key: shapeKey), pool: pool, seed: seed)
    }

    /// An instance of the contract's typed shape.
    public convenience init(_ s: AttentionPrefillShape, pool: WorkerPool, seed: UInt64 = 1) throws(KernelError) {
        try self.init(tokens: s.tokens, past: s.past, shape: AttentionShape(s), pool: pool, seed: seed)
    }

    public var shapeKey: String { "T=\(tokens),past=\(past),h=\(shape.heads),kv=\(shape.kvHeads),d=\(shape.headDim)" }

    /// Causal (query, key) pairs.
    var pairs: Double { Double(tokens) * Double(past) + Double(tokens) * Double(tokens + 1) / 2 }
    /// Q·Kᵀ and P·V: 4·headDim flops per visible (query, key) pair and head.
    public var flops: Double { 4 * Double(shape.headDim) * Double(shape.heads) * pairs }
    public var bytes: Double { 4 * Double(q.count + k.count + v.count + out.count) }

    public func searchSpace(on machine: MachineTraits) -> SearchSpace {
        Attention.prefillSearchSpace(tokens: tokens, shape: shape, on: machine)
    }

    public func analyticalDefault(on machine: MachineTraits) -> ParameterSet {
        Attention.analyticalDefaultPrefill(tokens: tokens, shape: shape, on: machine)
    }

    public func run(_ params: ParameterSet) throws(KernelError) {
        try Attention.prefill(q: q.pointer, k: k.pointer, v: v.pointer, out: out.pointer, tokens: tokens, past: past,
                              shape: shape, params: params, pool: pool)
    }

    public func verify(_ params: ParameterSet) throws(KernelError) -> Verification {
        for i in 0..<out.count { out.pointer[i] = .nan }
        try run(params)
        let rows = tokens <= 48 ? Array(0..<tokens) : (0..<48).map { $0 * (tokens - 1) / 47 }
        let width = shape.heads * shape.headDim
        let ref = UnsafeMutablePointer<Float>.allocate(capacity: tokens * width)
        defer { ref.deallocate() }
        Attention.reference(q: q.pointer, k: k.pointer, v: v.pointer, out: ref, rows: rows, past: past, shape: shape)
        return Verification(maxError: relativeError(out.pointer, ref, rows: rows, width: width, stride: width),
                            bound: Attention.errorBound(headDim: shape.headDim, keys: past + tokens))
    }
}

/// An `attention.decode` benchmark instance. Shape key `L=512,h=9,kv=3,d=64` (or `...,q=4`: four query
/// tokens, speculative decode); verification compares every output with `Attention.referenceDecode`,
/// bound `Attention.errorBound`.
public final class AttentionDecodeInstance: TunableKernel, @unchecked Sendable {
    public static var family: KernelFamilyID { .attentionDecode }
    public let length: Int, queries: Int, shape: AttentionShape
    let pool: WorkerPool
    let q: OperandBuffer, k: OperandBuffer, v: OperandBuffer, out: OperandBuffer

    public init(length: Int, queries: Int = 1, shape: AttentionShape, pool: WorkerPool, seed: UInt64 = 1) throws(KernelError) {
        var bad = shape.violations
        if length < 1 { bad.append("L must be at least 1, got \(length)") }
        if queries < 1 || queries > AttentionDecodeShape.maxQueries || queries > length {
            bad.append("q must be in 1...\(min(AttentionDecodeShape.maxQueries, max(1, length))), got \(queries)")
        }
        if !bad.isEmpty { throw .invalidShape(kernel: Self.family.rawValue, reason: bad.joined(separator: "; ")) }
        self.length = length; self.queries = queries; self.shape = shape; self.pool = pool
        var random = SplitMix64(seed: seed)
        q = OperandBuffer(count: queries * shape.heads * shape.headDim, random: &random)
        k = OperandBuffer(count: length * shape.kvHeads * shape.headDim, random: &random)
        v = OperandBuffer(count: length * shape.kvHeads * shape.headDim, random: &random)
        out = OperandBuffer(count: queries * shape.heads * shape.headDim, random: &random, fill: false)
    }

    public convenience init(shapeKey: String, pool: WorkerPool, seed: UInt64 = 1) throws(KernelError) {
        try self.init(AttentionDecodeShape(key: shapeKey), pool: pool, seed: seed)
    }

    /// An instance of the contract's typed shape.
    public convenience init(_ s: AttentionDecodeShape, pool: WorkerPool, seed: UInt64 = 1) throws(KernelError) {
        try self.init(length: s.length, queries: s.queries, shape: AttentionShape(s), pool: pool, seed: seed)
    }

    public var shapeKey: String {
        "L=\(length),h=\(shape.heads),kv=\(shape.kvHeads),d=\(shape.headDim)" + (queries > 1 ? ",q=\(queries)" : "")
    }
    public var flops: Double { 4 * Double(queries) * Double(shape.headDim) * Double(shape.heads) * Double(length) }
    /// The K and V caches read once (queries and outputs are negligible but counted).
    public var bytes: Double { 4 * Double(q.count + k.count + v.count + out.count) }

    public func searchSpace(on machine: MachineTraits) -> SearchSpace {
        Attention.decodeSearchSpace(length: length, shape: shape, on: machine)
    }

    public func analyticalDefault(on machine: MachineTraits) -> ParameterSet {
        Attention.analyticalDefaultDecode(length: length, shape: shape, on: machine)
    }

    public func run(_ params: ParameterSet) throws(KernelError) {
        try Attention.decode(q: q.pointer, k: k.pointer, v: v.pointer, out: out.pointer, length: length,
                             queries: queries, shape: shape, params: params, pool: pool)
    }

    public func verify(_ params: ParameterSet) throws(KernelError) -> Verification {
        for i in 0..<out.count { out.pointer[i] = .nan }
        try run(params)
        let ref = UnsafeMutablePointer<Float>.allocate(capacity: out.count)
        defer { ref.deallocate() }
        Attention.referenceDecode(q: q.pointer, k: k.pointer, v: v.pointer, out: ref, length: length, queries: queries, shape: shape)
        let width = shape.heads * shape.headDim
        return Verification(maxError: relativeError(out.pointer, ref, rows: Array(0..<queries), width: width, stride: width),
                            bound: Attention.errorBound(headDim: shape.headDim, keys: length))
    }
}
