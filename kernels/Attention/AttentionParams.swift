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
/// step inside a task (scores of `block` rows for all heads are kept in L1); `threads`.
public struct DecodeParams: Hashable, Sendable, CustomStringConvertible {
    public var lanes: Int, chunk: Int, block: Int, threads: Int

    public static let family = KernelFamilyID.attentionDecode.rawValue
    static func contractViolations(_ p: ParameterSet) -> [String] { AttentionDecodeContract.violations(of: p) }

    public init(lanes: Int, chunk: Int, block: Int, threads: Int) {
        self.lanes = lanes; self.chunk = chunk; self.block = block; self.threads = threads
    }

    public init(_ p: ParameterSet) throws(KernelError) {
        let k = Self.family
        lanes = try p.require("lanes", kernel: k)
        chunk = try p.require("chunk", kernel: k)
        block = try p.require("block", kernel: k)
        threads = try p.require("threads", kernel: k)
        let v = Self.contractViolations(p) + violations
        if !v.isEmpty { throw .invalidParameters(kernel: k, params: p.description, violations: v) }
    }

    public var violations: [String] {
        var v: [String] = []
        if ![4, 8, 16].contains(lanes) { v.append("lanes must be 4, 8 or 16, got \(lanes)") }
        if block < 1 { v.append("block must be positive, got \(block)") }
        if chunk < 1 || (block >= 1 && chunk % block != 0) { v.append("chunk is a positive multiple of block") }
        if threads < 1 { v.append("threads must be at least 1, got \(threads)") }
        return v
    }

    public var parameterSet: ParameterSet {
        ParameterSet(["lanes": lanes, "chunk": chunk, "block": block, "threads": threads])
    }

    public var description: String { parameterSet.description }
}
