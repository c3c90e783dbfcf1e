#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Causal grouped-query attention: prefill (flash-style, blocked Br×Bc) and decode (split along the
/// cache with a log-sum-exp merge). Layouts: q/out `[tokens × heads × headDim]`; K/V caches
/// `[positions × kvHeads × headDim]`. RoPE is applied by the caller; the score scale is 1/√headDim.
public enum Attention {
    public static let prefillFamily = PrefillParams.family
    public static let decodeFamily = DecodeParams.family

    /// Prefill: T new queries at positions past..<past+T attend causally to cache rows 0...past+t.
    /// The caches hold past+T rows. Throws before any work for a bad shape or parameter set.
    public static func prefill(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                               out: UnsafeMutablePointer<Float>, tokens: Int, past: Int,
                               shape: AttentionShape, params: ParameterSet, pool: WorkerPool) throws(KernelError) {
        let typed = try PrefillParams(params)
        try validatePrefill(tokens: tokens, past: past, shape: shape, params: typed, pool: pool)
        let p = AttentionProblem(q: q, k: k, v: v, out: out, tokens: tokens, past: past, heads: shape.heads,
                                 kvHeads: shape.kvHeads, d: shape.headDim)
        runPrefill(p, typed, pool)
    }

    /// Decode: one query `[heads × headDim]` against `length` cached rows. `capacity`, when given, is the
    /// number of rows the K and V buffers hold: a longer `length` is an error, not a read past the cache.
    ///
    /// `queries` > 1 (speculative decode: a draft of up to `AttentionDecodeShape.maxQueries` tokens
    /// verified in one step): q and out are `[queries × heads × headDim]`, the queries are the last
    /// `queries` cache rows, and query i attends causally to rows 0 ... length − queries + i. The cache
    /// is still read once: every K and V row serves all the queries of its KV head.
    public static func decode(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                              out: UnsafeMutablePointer<Float>, length: Int, capacity: Int? = nil, queries: Int = 1,
                              shape: AttentionShape, params: ParameterSet, pool: WorkerPool) throws(KernelError) {
        let typed = try DecodeParams(params)
        try validateDecode(length: length, capacity: capacity, queries: queries, shape: shape, params: typed, pool: pool)
        let p = AttentionProblem(q: q, k: k, v: v, out: out, tokens: queries, past: length - queries, heads: shape.heads,
                                 kvHeads: shape.kvHeads, d: shape.headDim)
        runDecode(p, typed, pool)
    }

    /// The checks `prefill` performs (shape, then parameters against shape, CPU and pool).
    public static func validatePrefill(tokens: Int, past: Int, shape: AttentionShape, params: PrefillParams,
                                       pool: WorkerPool, maxLanes: Int = HostCPU.maxSIMDLanes) throws(KernelError) {
        var bad = shape.violations
        if tokens < 1 { bad.append("tokens must be at least 1, got \(tokens)") }
        if past < 0 { bad.append("past must not be negative, got \(past)") }
        if bad.isEmpty && (ShapeArithmetic.floats(past + tokens, shape.kvHeads, shape.headDim) == nil
                           || ShapeArithmetic.floats(tokens, shape.heads, shape.headDim) == nil) {
            bad.append("\(past + tokens) cache rows of \(shape.kvHeads)×\(shape.headDim) floats overflow a buffer size")
        }
        if !bad.isEmpty { throw .invalidShape(kernel: prefillFamily, reason: bad.joined(separator: "; ")) }
        try checkCommon(kernel: prefillFamily, lanes: params.lanes, threads: params.threads, headDim: shape.headDim,
                        params: params.description, pool: pool, maxLanes: maxLanes)
    }

    /// The checks `decode` performs.
    public static func validateDecode(length: Int, capacity: Int? = nil, queries: Int = 1, shape: AttentionShape,
                                      params: DecodeParams, pool: WorkerPool,
                                      maxLanes: Int = HostCPU.maxSIMDLanes) throws(KernelError) {
        var bad = shape.violations
        if length < 1 { bad.append("length must be at least 1, got \(length)") }
        if let capacity, length > capacity { bad.append("length \(length) exceeds the cache's \(capacity) rows") }
        let maxQueries = AttentionDecodeShape.maxQueries
        if queries < 1 || queries > maxQueries { bad.append("queries must be in 1...\(maxQueries), got \(queries)") }
        else if length >= 1, queries > length { bad.append("queries (\(queries)) exceed length (\(length)): the queries are the last cache rows") }
        if bad.isEmpty && (ShapeArithmetic.floats(length, shape.kvHeads, shape.headDim) == nil
                           || ShapeArithmetic.floats(queries, shape.heads, shape.headDim) == nil) {
            bad.append("\(length) cache rows of \(shape.kvHeads)×\(shape.headDim) floats overflow a buffer size")
        }
        if !bad.isEmpty { throw .invalidShape(kernel: decodeFamily, reason: bad.joined(separator: "; ")) }
        try checkCommon(kernel: decodeFamily, lanes: params.lanes, threads: params.threads, headDim: shape.headDim,
                        params: params.description, pool: pool, maxLanes: maxLanes)
    }

    static func checkCommon(kernel: String, lanes: Int, threads: Int, headDim: Int, params: String,
                            pool: WorkerPool, maxLanes: Int) throws(KernelError) {
        if lanes > maxLanes {
            throw .unsupported(kernel: kernel, reason: "lanes=\(lanes) but this CPU executes at most \(maxLanes) Float lanes")
        }
        var v: [String] = []
        if headDim % lanes != 0 { v.append("headDim (\(headDim)) must be a multiple of lanes (\(lanes))") }
        if threads > pool.threadCount { v.append("threads=\(threads) exceeds the pool's \(pool.threadCount) threads") }
        if !v.isEmpty { throw .invalidParameters(kernel: kernel, params: params, violations: v) }
    }

    /// The oracle: plain loops in Double, softmax(q·kᵀ/√d)·v per head and query row, causal.
    /// Caches hold past+tokens rows.
    public static func reference(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                 out: UnsafeMutablePointer<Float>, tokens: Int, past: Int, shape: AttentionShape) {
        reference(q: q, k: k, v: v, out: out, rows: 0..<tokens, past: past, shape: shape)
    }

    /// The oracle for a subset of query rows (benchmark instances verify long prefills on sampled rows).
    public static func reference<Rows: Sequence<Int>>(q: UnsafePointer<Float>, k: UnsafePointer<Float>,
                                                      v: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                                                      rows: Rows, past: Int, shape: AttentionShape) {
        let d = shape.headDim, group = shape.heads / shape.kvHeads
        let qs = shape.heads * d, ks = shape.kvHeads * d
        let scale = 1 / Double(d).squareRoot()
        var scores: [Double] = []
        var acc = [Double](repeating: 0, count: d)
        for t in rows {
            if scores.count < past + t + 1 { scores = [Double](repeating: 0, count: past + t + 1) }
            let visible = past + t + 1
            for h in 0..<shape.heads {
                let kvh = h / group
                var top = -Double.infinity
                for j in 0..<visible {
                    var s = 0.0
                    for x in 0..<d { s += Double(q[t * qs + h * d + x]) * Double(k[j * ks + kvh * d + x]) }
                    scores[j] = s * scale
                    top = max(top, scores[j])
                }
                var total = 0.0
                for x in 0..<d { acc[x] = 0 }
                for j in 0..<visible {
                    let w = exp(scores[j] - top)
                    total += w
                    for x in 0..<d { acc[x] += w * Double(v[j * ks + kvh * d + x]) }
                }
                for x in 0..<d { out[t * qs + h * d + x] = Float(acc[x] / total) }
            }
        }
    }

    /// The decode oracle: `reference` with `queries` tokens after length − queries cached rows.
    public static func referenceDecode(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                       out: UnsafeMutablePointer<Float>, length: Int, queries: Int = 1, shape: AttentionShape) {
        reference(q: q, k: k, v: v, out: out, tokens: queries, past: length - queries, shape: shape)
    }
}
