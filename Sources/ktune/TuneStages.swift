import Measure
import Report

/// Wall-clock seconds per stage of `ktune tune` (probe, model load, target preparation, search,
/// head-to-head checks, noise pauses, end-to-end proof), printed as the closing table so the time budget
/// can be checked where it was spent.
struct TuneStages {
    struct Stage {
        var name: String
        var seconds: Double
        var detail: String
    }

    private(set) var stages: [Stage] = []
    private let start = MonotonicClock.nanoseconds()

    /// Seconds since the command started.
    var total: Double { Double(MonotonicClock.nanoseconds() &- start) * 1e-9 }

    /// Runs `body` as the stage `name`.
    mutating func time<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        let t0 = MonotonicClock.nanoseconds()
        defer { add(name, Double(MonotonicClock.nanoseconds() &- t0) * 1e-9) }
        return try body()
    }

    mutating func add(_ name: String, _ seconds: Double, detail: String = "") {
        stages.append(Stage(name: name, seconds: seconds, detail: detail))
    }

    /// One row per stage, the rest ("other": config writing, output), and the total against `limit`.
    func table(limit: Double?) -> TextTable {
        func f(_ x: Double) -> String { "\((x * 10).rounded() / 10)" }
        var t = TextTable(header: ["stage", "s", "detail"])
        for s in stages { t.append([s.name, f(s.seconds), s.detail]) }
        let total = self.total
        t.append(["other", f(max(0, total - stages.reduce(0) { $0 + $1.seconds })), "config and journal writing, output"])
        t.append(["total", f(total), limit.map { "time limit \(Int($0)) s" + (total > $0 ? " (exceeded)" : "") } ?? ""])
        return t
    }
}
