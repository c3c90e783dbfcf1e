import Foundation

/// A Chrome trace-event JSON document (`{"traceEvents": [...]}`), written without an encoder (traces hold
/// hundreds of thousands of slices) and checked by `problems(in:)` — the same checks the tests run.
public struct ChromeTrace: Sendable {
    public var events: [TraceEvent]

    public init(events: [TraceEvent]) { self.events = events }

    /// Events in the order they are written: metadata first, then by start time (longer slice first on
    /// ties, so parents precede their children), which makes timestamps monotonic in the file.
    public var ordered: [TraceEvent] {
        let meta = events.filter { $0.phase == .metadata }
        let rest = events.enumerated().filter { $0.element.phase != .metadata }.sorted { a, b in
            if a.element.ts != b.element.ts { return a.element.ts < b.element.ts }
            if a.element.dur != b.element.dur { return a.element.dur > b.element.dur }
            return a.offset < b.offset
        }.map(\.element)
        return meta + rest
    }

    /// The JSON text.
    public func json() -> String {
        var out = "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n"
        out.reserveCapacity(events.count * 110)
        var first = true
        for e in ordered {
            if !first { out += ",\n" }
            first = false
            out += "{\"name\":\(Self.quote(e.name)),\"ph\":\"\(e.phase.rawValue)\",\"ts\":\(Self.micros(e.ts)),"
            if e.phase == .complete { out += "\"dur\":\(Self.micros(e.dur)),\"cat\":\(Self.quote(e.category.isEmpty ? "op" : e.category)),"}
            out += "\"pid\":\(e.pid),\"tid\":\(e.tid)"
            if !e.args.isEmpty || !e.textArgs.isEmpty {
                var parts: [String] = []
                for (k, v) in e.args { parts.append("\(Self.quote(k)):\(v.isFinite ? "\(v)" : "0")") }
                for (k, v) in e.textArgs { parts.append("\(Self.quote(k)):\(Self.quote(v))") }
                out += ",\"args\":{\(parts.joined(separator: ","))}"
            }
            out += "}"
        }
        out += "\n]}\n"
        return out
    }

    /// Writes the trace to `path` atomically (a temporary file renamed over it).
    public func write(to path: String) throws {
        try Data(json().utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// ns → µs with exactly three decimals.
    static func micros(_ ns: UInt64) -> String {
        let frac = ns % 1000
        let f = frac < 10 ? "00\(frac)" : frac < 100 ? "0\(frac)" : "\(frac)"
        return "\(ns / 1000).\(f)"
    }

    static func quote(_ s: String) -> String {
        var o = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": o += "\\\""
            case "\\": o += "\\\\"
            case "\n": o += "\\n"
            default:
                if u.value < 0x20 { o += String(format: "\\u%04x", u.value) } else { o.unicodeScalars.append(u) }
            }
        }
        return o + "\""
    }

    /// What is wrong with the trace-event JSON in `data`: missing required fields (name, ph, ts, pid, tid;
    /// dur for X; args.name for thread/process names), timestamps going backwards in file order, X slices
    /// on one thread that overlap without nesting, children whose durations add up to more than their
    /// parent's, and no thread-name metadata for a thread with slices. Empty when the trace is valid.
    public static func problems(in data: Data) -> [String] {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let events = root["traceEvents"] as? [[String: Any]] else {
            return ["not a JSON object with a \"traceEvents\" array"]
        }
        var problems: [String] = []
        func note(_ s: String) { if problems.count < 20 { problems.append(s) } }
        struct Slice { var start: Double; var end: Double; var childSum = 0.0; var name: String }
        var stacks: [String: [Slice]] = [:]
        var named = Set<String>(), withSlices = Set<String>()
        var lastTs = -Double.infinity
        let eps = 0.0015   // µs: three-decimal rounding of ts and dur
        func close(_ track: String, before start: Double?) {
            while let top = stacks[track]?.last {
                if let start, start < top.end - eps { break }
                stacks[track]!.removeLast()
                if top.childSum > top.end - top.start + eps * 4 {
                    note("\(track): children of '\(top.name)' last \(top.childSum) µs, more than its \(top.end - top.start) µs")
                }
                if let n = stacks[track]?.count, n > 0 { stacks[track]![n - 1].childSum += top.end - top.start }
            }
        }
        for (i, e) in events.enumerated() {
            guard let name = e["name"] as? String, let ph = e["ph"] as? String, let ts = (e["ts"] as? NSNumber)?.doubleValue,
                  let pid = (e["pid"] as? NSNumber)?.intValue, let tid = (e["tid"] as? NSNumber)?.intValue else {
                note("event \(i): missing one of name, ph, ts, pid, tid"); continue
            }
            let track = "pid \(pid) tid \(tid)"
            switch ph {
            case "M":
                if name == "thread_name" || name == "process_name" {
                    guard (e["args"] as? [String: Any])?["name"] is String else { note("event \(i): \(name) without args.name"); continue }
                    if name == "thread_name" { named.insert(track) }
                }
                continue
            case "X":
                guard let dur = (e["dur"] as? NSNumber)?.doubleValue, dur >= 0 else { note("event \(i) '\(name)': X without a dur ≥ 0"); continue }
                if ts < lastTs { note("event \(i) '\(name)': ts \(ts) before the previous event's \(lastTs)") }
                lastTs = max(lastTs, ts)
                withSlices.insert(track)
                close(track, before: ts)
                if let top = stacks[track]?.last, ts + dur > top.end + eps {
                    note("\(track): '\(name)' [\(ts), \(ts + dur)] overlaps '\(top.name)' [\(top.start), \(top.end)] without nesting")
                }
                stacks[track, default: []].append(Slice(start: ts, end: ts + dur, name: name))
            case "C":
                if ts < lastTs { note("event \(i) '\(name)': ts \(ts) before the previous event's \(lastTs)") }
                lastTs = max(lastTs, ts)
                guard let args = e["args"] as? [String: Any], !args.isEmpty else { note("event \(i) '\(name)': counter without args"); continue }
            default:
                note("event \(i): unexpected phase '\(ph)'")
            }
        }
        for track in stacks.keys { close(track, before: nil) }
        for track in withSlices.subtracting(named).sorted() { note("\(track) has slices but no thread_name metadata") }
        return problems
    }
}
