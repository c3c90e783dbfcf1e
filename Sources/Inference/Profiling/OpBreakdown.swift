/// Per-op totals of profiled runs: calls, wall time, FLOPs and bytes per (op, rows) — a matmul at 512
/// rows (prefill) and at 1 row (decode) are different entries — plus the measured total, so the part of
/// the run no op accounts for is visible as "other".
public struct OpBreakdown: Sendable {
    public struct Key: Hashable, Sendable, Comparable {
        public var op: ForwardOp
        /// New tokens per call (the matmul's M).
        public var rows: Int
        public init(op: ForwardOp, rows: Int) { self.op = op; self.rows = rows }
        public static func < (a: Key, b: Key) -> Bool { (a.op.rawValue, a.rows) < (b.op.rawValue, b.rows) }
    }

    public struct Entry: Sendable, Equatable {
        public var calls = 0
        public var totalNs: UInt64 = 0
        /// Matmul shape (m × n × k) of the calls, 0 for other ops.
        public var m = 0, n = 0, k = 0
        public var flops = 0.0
        public var bytes = 0.0
        /// Bytes the op's data occupies between two uses (decides the memory level it streams from):
        /// all weights for weight-bearing ops (each is read once per forward), the whole KV cache for
        /// attention, the op's own activations otherwise. The largest seen.
        public var footprint = 0.0
        public init() {}
    }

    public private(set) var entries: [Key: Entry] = [:]
    /// Nanoseconds the runs took end to end (what tokens/s is computed from).
    public private(set) var measuredNs: UInt64 = 0
    /// Runs added.
    public private(set) var runs = 0

    public init() {}

    /// Adds one run: its recorded `events` and its measured wall time `measuredNs`.
    public mutating func add(events: [ForwardRecorder.Event], measuredNs: UInt64, weights: TransformerWeights) {
        runs += 1
        self.measuredNs &+= measuredNs
        let totalWeights = Double(weights.bytes)
        let layers = Double(weights.layers.count)
        guard events.count >= 2 else { return }
        for i in 0..<(events.count - 1) {
            let e = events[i]
            guard e.op != .end else { continue }
            let next = events[i + 1]
            let dur = next.t >= e.t ? next.t - e.t : 0
            let cost = OpCost.of(e.op, rows: Int(e.rows), past: Int(e.past), layer: Int(e.layer), weights: weights)
            let key = Key(op: e.op, rows: Int(e.rows))
            var entry = entries[key] ?? Entry()
            entry.calls += 1
            entry.totalNs &+= dur
            entry.m = cost.m; entry.n = cost.n; entry.k = cost.k
            entry.flops += cost.flops
            entry.bytes += cost.bytes
            let footprint: Double
            switch e.op {
            case .attention: footprint = cost.kvBytes * layers
            default: footprint = cost.weightBytes > 0 && e.op != .attentionNorm && e.op != .ffnNorm && e.op != .outputNorm
                && e.op != .qkvBias ? totalWeights : cost.activationBytes + cost.weightBytes
            }
            entry.footprint = max(entry.footprint, footprint)
            entries[key] = entry
        }
    }

    /// Nanoseconds inside recorded ops.
    public var opNs: UInt64 { entries.values.reduce(0) { $0 &+ $1.totalNs } }

    /// The measured time outside every recorded op (loop overhead, token bookkeeping), never negative.
    public var otherNs: UInt64 { measuredNs > opNs ? measuredNs - opNs : 0 }

    /// Display name: op, and the shape for matmuls ("q_proj 512x576x576") or the rows otherwise.
    public static func label(_ key: Key, _ e: Entry) -> String {
        if e.n > 0 { return "\(key.op.name) \(e.m)x\(e.n)x\(e.k)" }
        switch key.op {
        case .attention: return key.rows == 1 ? "attention decode" : "attention prefill \(key.rows)"
        case .sampling: return "sampling"
        default: return "\(key.op.name) \(key.rows) rows"
        }
    }
}
