/// The operands of one attention call, already validated.
struct AttentionProblem: @unchecked Sendable {
    var q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>
    var out: UnsafeMutablePointer<Float>
    /// New query rows and cached rows before them (prefill); decode uses tokens = 1, past = length − 1.
    var tokens: Int, past: Int
    var heads: Int, kvHeads: Int, d: Int
    /// Cache rows the call reads: past + tokens.
    var keys: Int { past + tokens }
    var qStride: Int { heads * d }
    var kvStride: Int { kvHeads * d }
    var group: Int { heads / kvHeads }
    /// 1/√headDim · log₂e: scores are computed in base 2.
    var scale2: Float { 1.442_695_04 / Float(d).squareRoot() }  // log₂e / √d
}
