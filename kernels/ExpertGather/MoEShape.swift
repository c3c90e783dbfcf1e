/// The shape of one mixture-of-experts layer call: `tokens` rows of width `hidden`, `experts` SwiGLU
/// experts of inner width `ffn`, each token routed to `topK` of them.
public struct MoEShape: Hashable, Sendable, Codable {
    public var tokens: Int
    public var hidden: Int
    public var ffn: Int
    public var experts: Int
    public var topK: Int

    public init(tokens: Int, hidden: Int, ffn: Int, experts: Int, topK: Int) {
        self.tokens = tokens; self.hidden = hidden; self.ffn = ffn; self.experts = experts; self.topK = topK
    }

    /// Token–expert pairs: the rows the experts compute.
    public var rows: Int { tokens * topK }

    /// What is wrong with the shape (empty when sound): positive sizes, topK ≤ experts.
    public var violations: [String] {
        var v: [String] = []
        for (name, value) in [("tokens", tokens), ("hidden", hidden), ("ffn", ffn), ("experts", experts), ("topK", topK)] where value < 1 {
            v.append("\(name) must be at least 1, got \(value)")
        }
        if topK >= 1, experts >= 1, topK > experts { v.append("topK (\(topK)) must not exceed experts (\(experts))") }
        if v.isEmpty && (ShapeArithmetic.floats(experts, ffn, hidden) == nil
                         || ShapeArithmetic.floats(tokens, topK, max(hidden, ffn)) == nil) {
            v.append("\(experts) experts of \(hidden)×\(ffn) (or \(tokens)×\(topK) routed rows) overflow a buffer size")
        }
        return v
    }
}

/// The typed view of an `expert-gather` parameter set.
///
/// - `order`: 0 expert-major (each expert's rows in `chunk`-row batches), 1 token-major (tokens in
///   `chunk`-token windows, each window's rows batched per expert: better locality of x and out,
///   more weight passes);
/// - `chunk`: the batch bound described by `order` (rows per expert matmul call);
/// - `split`: 0 threads across experts (each batch single-threaded), 1 threads inside an expert (batches
///   one after another, each matmul split over the pool);
/// - `merge`: small-expert merging: with split 0, consecutive batches are merged into one task until it
///   holds at least `merge` rows; with split 1, batches under `merge` rows are run merged across threads
///   instead of inside (1 = no merging);
/// - `lanes`, `sr`: SIMD width and rows of x per register group of the expert matmuls (Matmul's skinny,
///   weight-streaming path, which reads each expert's weights once per batch);
/// - `stage`: 1 streams each expert weight matrix into L2 with independent loads just before its matmul
///   (pays when the matrix fits in L2: the matmul then re-reads it from L2), 0 leaves the streaming to the
///   matmul's own prefetch (a matrix larger than L2 would otherwise be read from DRAM twice); 1 is the
///   behaviour before it existed;
/// - `pn`: the expert matmuls' next-tile prefetch (Matmul's `pn`: while the row groups of a batch compute
///   on one tile of an expert's weight rows, the next tile streams into L2 (1) or L1 (2); 0 none, the
///   behaviour before it existed and its meaning when absent);
/// - `threads`.
public struct ExpertGatherParams: Hashable, Sendable, CustomStringConvertible {
    public var order: Int, chunk: Int, split: Int, merge: Int, lanes: Int, sr: Int, threads: Int
    public var stage: Int, pn: Int

    public static let family = KernelFamilyID.expertGather.rawValue
    public static let names = ["order", "chunk", "split", "merge", "lanes", "sr", "threads", "stage", "pn"]

    public init(_ p: ParameterSet) throws(KernelError) {
        let k = Self.family
        order = try p.require("order", kernel: k)
        chunk = try p.require("chunk", kernel: k)
        split = try p.require("split", kernel: k)
        merge = try p.require("merge", kernel: k)
        lanes = try p.require("lanes", kernel: k)
        sr = try p.require("sr", kernel: k)
        threads = try p.require("threads", kernel: k)
        stage = try p.require("stage", kernel: k)
        pn = p["pn"] ?? 0
        let v = ExpertGatherContract.violations(of: p) + violations
        if !v.isEmpty { throw .invalidParameters(kernel: k, params: p.description, violations: v) }
    }

    public var violations: [String] {
        var v: [String] = []
        if ![0, 1].contains(order) { v.append("order must be 0 (expert-major) or 1 (token-major), got \(order)") }
        if chunk < 1 { v.append("chunk must be positive, got \(chunk)") }
        if ![0, 1].contains(split) { v.append("split must be 0 (across experts) or 1 (inside an expert), got \(split)") }
        if merge < 1 { v.append("merge must be at least 1, got \(merge)") }
        if ![4, 8, 16].contains(lanes) { v.append("lanes must be 4, 8 or 16, got \(lanes)") }
        if !MatmulParams.skinnyRowGroups.contains(sr) { v.append("sr must be one of \(MatmulParams.skinnyRowGroups), got \(sr)") }
        if threads < 1 { v.append("threads must be at least 1, got \(threads)") }
        if ![0, 1, 2].contains(pn) { v.append("pn must be 0 (none), 1 (next tile into L2) or 2 (into L1), got \(pn)") }
        if ![0, 1].contains(stage) { v.append("stage must be 0 (matmul prefetch only) or 1 (stream into L2 first), got \(stage)") }
        return v
    }

    public var parameterSet: ParameterSet {
        ParameterSet(["order": order, "chunk": chunk, "split": split, "merge": merge, "lanes": lanes, "sr": sr,
                      "threads": threads, "stage": stage, "pn": pn])
    }

    public var description: String { parameterSet.description }

    /// The expert matmuls' parameters: Matmul's analytical default for a skinny [rows × ffn × hidden]
    /// product on a machine of this width, forced onto the skinny path with `sr` rows × `16/sr` (at most
    /// 4) weight rows per step (so any parameter Matmul adds keeps its analytical value).
    func matmulParams(threads: Int, shape: MoEShape) throws(KernelError) -> MatmulParams {
        var p = Matmul.analyticalDefault(m: min(Matmul.skinnyMaxRows, chunk), n: shape.ffn, k: shape.hidden,
                                         on: .fallback(cores: threads, maxSIMDLanes: lanes))
        p["path"] = 1
        p["lanes"] = lanes
        p["threads"] = threads
        p["sr"] = sr
        // Whole weight rows per pass and no software prefetch: expert matrices are a few MiB, their rows
        // (hidden or ffn floats) fit su at a time in L1, and K chunks of rows streamed from DRAM measured
        // 2.3× slower on T=128,h=2048,f=1408,e=64,k=6 (1.28 s vs 0.57 s, 2 threads, loaded machine).
        p["sk"] = 0
        p["pf"] = 0
        p["pn"] = pn
        // At most 4 weight rows per step: 4 rows of a 2048-wide expert fill two thirds of L1 with sk = 0.
        p["su"] = MatmulParams.skinnyUnrolls.last { sr * $0 <= 16 && $0 <= 4 } ?? 1
        return try MatmulParams(p)
    }
}

extension MoEShape {
    /// The layer shape of a contract shape.
    public init(_ s: ExpertGatherShape) {
        self.init(tokens: s.tokens, hidden: s.hidden, ffn: s.ffn, experts: s.experts, topK: s.topK)
    }
}
