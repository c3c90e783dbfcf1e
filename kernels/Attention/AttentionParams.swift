/// The typed view of an `attention.prefill` parameter set.
///
/// `lanes`: SIMD width (4, 8, 16 Float lanes); `br`: query rows per block (a multiple of the 4-row register
/// tile); `bc`: key columns per block (a multiple of `lanes`); `threads`: threads used. One task is one
/// (query head, query block); the S = Q·Kᵀ tile (br×bc) and the output accumulator (br×headDim) of a task
/// stay in L1/L2 scratch while key blocks stream past.
public struct PrefillParams: Hashable, Sendable, CustomStringConvertible {
    public var lanes: Int, br: Int, bc: Int, threads: Int

    public static let family = KernelFamilyID.attentionPrefill.rawValue
    static func contractViolations(_ p: ParameterSet) -> [String] { AttentionPrefillContract.violations(of: p) }
    /// Rows of the register tile: `br` must be a multiple of it.
    public static let tileRows = 4

    public init(lanes: Int, br: Int, bc: Int, threads: Int) {
        self.lanes = lanes; self.br = br; self.bc = bc; self.threads = threads
    }

    /// Reads and checks `p`; throws `missingParameter` or `invalidParameters` listing every violation.
    public init(_ p: ParameterSet) throws(KernelError) {
        let k = Self.family
        lanes = try p.require("lanes", kernel: k)
        br = try p.require("br", kernel: k)
        bc = try p.require("bc", kernel: k)
        threads = try p.require("threads", kernel: k)
        let v = Self.contractViolations(p) + violations
        if !v.isEmpty { throw .invalidParameters(kernel: k, params: p.description, violations: v) }
    }

    /// Structural rules, independent of shape and machine.
    public var violations: [String] {
        var v: [String] = []
        if ![4, 8, 16].contains(lanes) { v.append("lanes must be 4, 8 or 16, got \(lanes)") }
        if br < Self.tileRows || br % Self.tileRows != 0 { v.append("br must be a positive multiple of \(Self.tileRows), got \(br)") }
        if bc < 1 || (lanes > 0 && bc % lanes != 0) { v.append("bc must be a positive multiple of lanes (\(lanes)), got \(bc)") }
        if threads < 1 { v.append("threads must be at least 1, got \(threads)") }
        return v
    }

    public var parameterSet: ParameterSet {
        ParameterSet(["lanes": lanes, "br": br, "bc": bc, "threads": threads])
    }

    public var description: String { parameterSet.description }
}

/// The typed view of an `attention.decode` parameter set.
///
/// `lanes`: SIMD width; `chunk`: cache rows per task (threads split the cache length into chunks, each
/// producing a partial softmax that a final log-sum-exp merge combines); `block`: rows per online-softmax
/// step inside a task (scores of `block` rows for all heads are kept in L1); `threads`;
/// `kvsplit`: groups of KV heads per chunk (a task is one chunk × one group: 1 = every head in one task,
/// kvHeads = one KV head per task), so short caches still give every thread streams of its own;
/// `pf`: software-prefetch distance in cache rows (each row's slices of K and V for the task's heads,
/// every line; 0 = none). kvsplit = 1 and pf = block is the behaviour before they existed.
public struct DecodeParams: Hashable, Sendable, CustomStringConvertible {
    public var lanes: Int, chunk: Int, block: Int, threads: Int
    public var kvsplit: Int, pf: Int

    public static let family = KernelFamilyID.attentionDecode.rawValue
    static func contractViolations(_ p: ParameterSet) -> [String] { AttentionDecodeContract.violations(of: p) }
    /// Upper bounds of the new parameters (KV-head groups, prefetch rows), as the contract declares them.
    public static let maxKVSplit = 256, maxPrefetchRows = 1024

    public init(lanes: Int, chunk: Int, block: Int, threads: Int, kvsplit: Int = 1, pf: Int? = nil) {
        self.lanes = lanes; self.chunk = chunk; self.block = block; self.threads = threads
        self.kvsplit = kvsplit; self.pf = pf ?? block
    }

    public init(_ p: ParameterSet) throws(KernelError) {
        let k = Self.family
        lanes = try p.require("lanes", kernel: k)
        chunk = try p.require("chunk", kernel: k)
        block = try p.require("block", kernel: k)
        threads = try p.require("threads", kernel: k)
        kvsplit = try p.require("kvsplit", kernel: k)
        pf = try p.require("pf", kernel: k)
        let v = Self.contractViolations(p) + violations
        if !v.isEmpty { throw .invalidParameters(kernel: k, params: p.description, violations: v) }
    }

    public var violations: [String] {
        var v: [String] = []
        if ![4, 8, 16].contains(lanes) { v.append("lanes must be 4, 8 or 16, got \(lanes)") }
        if kvsplit < 1 || kvsplit > Self.maxKVSplit { v.append("kvsplit must be in 1...\(Self.maxKVSplit), got \(kvsplit)") }
        if pf < 0 || pf > Self.maxPrefetchRows { v.append("pf must be in 0...\(Self.maxPrefetchRows) rows, got \(pf)") }
        if block < 1 { v.append("block must be positive, got \(block)") }
        if chunk < 1 || (block >= 1 && chunk % block != 0) { v.append("chunk is a positive multiple of block") }
        if threads < 1 { v.append("threads must be at least 1, got \(threads)") }
        return v
    }

    public var parameterSet: ParameterSet {
        ParameterSet(["lanes": lanes, "chunk": chunk, "block": block, "threads": threads, "kvsplit": kvsplit, "pf": pf])
    }

    public var description: String { parameterSet.description }
}
