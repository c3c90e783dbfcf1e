import Inference
import Kernels
import Report

/// Turns one profiled run (the forward recorder's op boundaries and the pool's kernel chunks) into Chrome
/// trace events: on the calling thread's track strictly nested slices token → layer → op → kernel chunk,
/// each worker's chunks on its own track, a tokens/s counter at the end of every token, and names for
/// the process and threads.
enum ProfileTrace {
    /// Events of one run as process `pid` named `process`; times relative to `origin` (ns).
    static func events(pid: Int, process: String, recorded: [ForwardRecorder.Event], chunks: [[ChunkTimeline.Chunk]],
                       weights: TransformerWeights, origin: UInt64) -> [TraceEvent] {
        func rel(_ t: UInt64) -> UInt64 { t >= origin ? t - origin : 0 }
        var out: [TraceEvent] = [.processName(process, pid: pid)]
        for w in 0..<max(1, chunks.count) {
            out.append(.threadName(w == 0 ? "main (worker 0)" : "worker \(w)", pid: pid, tid: w))
        }
        var token = 0
        var forwardStart: Int?
        var layerStart: (index: Int, layer: Int16)?
        func closeLayer(at t: UInt64) {
            if let ls = layerStart {
                let s = recorded[ls.index].t
                out.append(TraceEvent(name: "layer \(ls.layer)", phase: .complete, ts: rel(s), dur: t >= s ? t - s : 0,
                                      pid: pid, tid: 0, category: "layer"))
                layerStart = nil
            }
        }
        for i in recorded.indices {
            let e = recorded[i]
            if e.op == .embedding { forwardStart = i }
            // Layer slices: from a layer's first op to the first op outside it.
            if let ls = layerStart, ls.layer != e.layer { closeLayer(at: e.t) }
            if e.layer >= 0 && layerStart == nil && forwardStart != nil { layerStart = (i, e.layer) }
            if e.op == .end {
                if let f = forwardStart {
                    let s = recorded[f].t, dur = e.t >= s ? e.t - s : 0
                    let rows = Int(recorded[f].rows)
                    let name = rows > 1 ? "prompt (\(rows) tokens)" : "token \(token)"
                    out.append(TraceEvent(name: name, phase: .complete, ts: rel(s), dur: dur, pid: pid, tid: 0, category: "token",
                                          args: [("tokens", Double(rows)), ("past", Double(recorded[f].past))]))
                    if dur > 0 {
                        out.append(TraceEvent(name: "tokens/s", phase: .counter, ts: rel(e.t), pid: pid, tid: 0,
                                              args: [("tokens/s", Double(rows) * 1e9 / Double(dur))]))
                    }
                    token += rows
                    forwardStart = nil
                }
                continue
            }
            guard i + 1 < recorded.count else { continue }
            let next = recorded[i + 1].t
            let cost = OpCost.of(e.op, rows: Int(e.rows), past: Int(e.past), layer: Int(e.layer), weights: weights)
            var entry = OpBreakdown.Entry()
            entry.m = cost.m; entry.n = cost.n; entry.k = cost.k
            let name = OpBreakdown.label(OpBreakdown.Key(op: e.op, rows: Int(e.rows)), entry)
            out.append(TraceEvent(name: name, phase: .complete, ts: rel(e.t), dur: next >= e.t ? next - e.t : 0, pid: pid, tid: 0,
                                  category: "op", args: [("flops", cost.flops), ("bytes", cost.bytes)]))
        }
        for (w, list) in chunks.enumerated() {
            for c in list {
                out.append(TraceEvent(name: "chunk", phase: .complete, ts: rel(c.start), dur: c.end >= c.start ? c.end - c.start : 0,
                                      pid: pid, tid: w, category: "chunk"))
            }
        }
        return out
    }
}
