/// One Chrome trace-event (the JSON format Perfetto and chrome://tracing open): a complete slice (`X`),
/// a counter sample (`C`) or metadata (`M`, thread and process names). Times are integer nanoseconds
/// here and written as microseconds with three decimals, so no rounding can break the nesting of slices.
public struct TraceEvent: Sendable, Equatable {
    public enum Phase: String, Sendable { case complete = "X", counter = "C", metadata = "M" }

    public var name: String
    public var phase: Phase
    /// Start, ns from the trace's origin.
    public var ts: UInt64
    /// Duration, ns (complete slices only).
    public var dur: UInt64
    public var pid: Int
    public var tid: Int
    public var category: String
    /// Numeric arguments (counter values, FLOPs, ...).
    public var args: [(String, Double)]
    /// Text arguments (metadata names, shapes).
    public var textArgs: [(String, String)]

    public init(name: String, phase: Phase, ts: UInt64, dur: UInt64 = 0, pid: Int = 1, tid: Int, category: String = "",
                args: [(String, Double)] = [], textArgs: [(String, String)] = []) {
        self.name = name; self.phase = phase; self.ts = ts; self.dur = dur; self.pid = pid; self.tid = tid
        self.category = category; self.args = args; self.textArgs = textArgs
    }

    public static func == (a: TraceEvent, b: TraceEvent) -> Bool {
        a.name == b.name && a.phase == b.phase && a.ts == b.ts && a.dur == b.dur && a.pid == b.pid && a.tid == b.tid
            && a.category == b.category && a.args.map(\.0) == b.args.map(\.0) && a.args.map(\.1) == b.args.map(\.1)
            && a.textArgs.map(\.0) == b.textArgs.map(\.0) && a.textArgs.map(\.1) == b.textArgs.map(\.1)
    }

    /// A thread-name metadata event.
    public static func threadName(_ name: String, pid: Int = 1, tid: Int) -> TraceEvent {
        TraceEvent(name: "thread_name", phase: .metadata, ts: 0, pid: pid, tid: tid, textArgs: [("name", name)])
    }

    /// A process-name metadata event.
    public static func processName(_ name: String, pid: Int = 1) -> TraceEvent {
        TraceEvent(name: "process_name", phase: .metadata, ts: 0, pid: pid, tid: 0, textArgs: [("name", name)])
    }
}
