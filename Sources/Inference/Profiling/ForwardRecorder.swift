import Measure

/// The ops of a forward pass the profiler tells apart: the boundaries `Transformer.forward` marks.
/// Raw values are stable (they are stored in `ForwardRecorder.Event`).
public enum ForwardOp: UInt8, Sendable, CaseIterable {
    case embedding, attentionNorm, qProj, kProj, vProj, qkvBias, rope, attention, oProj
    case ffnNorm, gateProj, upProj, swiGLU, downProj, router, expertGather
    case outputNorm, lmHead, sampling
    /// Closes the last open op (end of a forward, or of sampling).
    case end
    /// q, k and v (or gate and up) projected in one fused kernel call on the same input.
    case qkvProj, gateUpProj

    /// The name printed in the breakdown and the trace (HF module names for the matmuls).
    public var name: String {
        switch self {
        case .embedding: return "embedding"
        case .attentionNorm: return "attn_norm"
        case .qProj: return "q_proj"
        case .kProj: return "k_proj"
        case .vProj: return "v_proj"
        case .qkvBias: return "qkv_bias"
        case .rope: return "rope"
        case .attention: return "attention"
        case .oProj: return "o_proj"
        case .ffnNorm: return "ffn_norm"
        case .gateProj: return "gate_proj"
        case .upProj: return "up_proj"
        case .swiGLU: return "swiglu"
        case .downProj: return "down_proj"
        case .router: return "router"
        case .expertGather: return "expert_gather"
        case .outputNorm: return "output_norm"
        case .lmHead: return "lm_head"
        case .sampling: return "sampling"
        case .end: return "end"
        case .qkvProj: return "qkv_proj"
        case .gateUpProj: return "gate_up_proj"
        }
    }
}

/// Records op boundaries of the forward pass with their times: `Transformer` calls `mark` once per op
/// when a recorder is attached (`transformer.recorder`), and nothing at all when it is nil (one nil
/// check per op, no existential, no allocation: the event buffer is preallocated and only grows when a
/// run has more ops than the reserve).
///
/// An event opens `op` at time `t` and closes the op before it; `.end` only closes. The profiler turns
/// the event stream into per-op totals (`OpBreakdown`) and trace slices.
public final class ForwardRecorder: @unchecked Sendable {
    /// One boundary: `op` starts at `t` (ns, `MonotonicClock`) in `layer` (−1 outside the layers) over
    /// `rows` new tokens with `past` tokens already cached.
    public struct Event: Sendable, Equatable {
        public var t: UInt64
        public var op: ForwardOp
        public var layer: Int16
        public var rows: Int32
        public var past: Int32
    }

    private var buffer: UnsafeMutablePointer<Event>
    private var capacity: Int
    public private(set) var count = 0

    /// A recorder with room for `reserve` events before it has to grow.
    public init(reserve: Int = 1 << 16) {
        capacity = max(16, reserve)
        buffer = .allocate(capacity: capacity)
    }

    deinit { buffer.deallocate() }

    /// Marks the start of `op` (and the end of the previous one) now.
    @inline(__always)
    public func mark(_ op: ForwardOp, layer: Int = -1, rows: Int, past: Int) {
        let t = MonotonicClock.nanoseconds()
        if count == capacity { grow() }
        (buffer + count).initialize(to: Event(t: t, op: op, layer: Int16(truncatingIfNeeded: layer),
                                             rows: Int32(truncatingIfNeeded: rows), past: Int32(truncatingIfNeeded: past)))
        count += 1
    }

    @inline(never)
    private func grow() {
        let bigger = UnsafeMutablePointer<Event>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: buffer, count: count)
        buffer.deallocate()
        buffer = bigger
        capacity *= 2
    }

    /// Forgets every event (the buffer is kept).
    public func clear() { count = 0 }

    /// A copy of the events recorded so far.
    public var events: [Event] { Array(UnsafeBufferPointer(start: buffer, count: count)) }
}
