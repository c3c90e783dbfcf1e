import Foundation
import Models

/// An export-control rule as data (`profiles/rules/<id>.json`): control classes, each caught when any
/// of its clauses holds, a clause holding when all its conditions hold.
///
/// Metrics: `tpp` (total processing performance = 2 × dense MacTOPS × bit length, max over dtypes =
/// dense TFLOP/s × bits), `pd` (performance density = TPP / die area mm²), `io` (aggregate
/// bidirectional chip-to-chip transfer rate, GB/s: NVLink + PCIe).
public struct ExportRule: Codable, Sendable, Equatable {
    public struct Condition: Codable, Sendable, Equatable {
        /// "tpp", "pd" or "io".
        public var metric: String
        /// Inclusive lower bound.
        public var min: Double?
        /// Exclusive upper bound.
        public var below: Double?
    }
    public struct ControlClass: Codable, Sendable, Equatable {
        /// E.g. "3A090.a".
        public var name: String
        /// Caught when any clause holds; a clause holds when all its conditions hold.
        public var anyOf: [[Condition]]
    }
    public var id: String
    public var name: String
    public var effective: String
    public var source: String
    public var classes: [ControlClass]
    public var notes: String?

    static let metrics = ["tpp", "pd", "io"]

    func validate(file: String) throws(ProfileError) {
        for (i, c) in classes.enumerated() {
            for (j, clause) in c.anyOf.enumerated() {
                for (k, cond) in clause.enumerated() {
                    let field = "classes[\(i)].anyOf[\(j)][\(k)]"
                    if !ExportRule.metrics.contains(cond.metric) {
                        throw .malformed(file: file, field: field + ".metric", expected: "one of tpp, pd, io; got \(cond.metric)")
                    }
                    if cond.min == nil && cond.below == nil {
                        throw .malformed(file: file, field: field, expected: "a min or a below bound")
                    }
                }
            }
        }
    }
}

/// The export-relevant numbers of a GPU.
public struct ExportMetrics: Codable, Sendable, Equatable {
    /// TPP and the dtype that gives the maximum.
    public var tpp: Double
    public var tppDtype: String
    /// TPP / die area.
    public var pd: Double
    /// NVLink + PCIe, GB/s both directions.
    public var io: Double

    /// TPP = dense TFLOP/s × bit length (= 2 × MacTOPS × bits), maximum over the dtypes the chip has.
    public init(gpu: GPUProfile) {
        let d = gpu.denseTFLOPS
        // Ties go to the first listed (the tensor-core dtypes people quote).
        let candidates: [(String, Double?, Double)] = [("bf16", d.bf16, 16), ("fp8", d.fp8, 8), ("int8", d.int8, 8),
                                                       ("tf32", d.tf32, 32), ("fp64", d.fp64, 64)]
        var best = (name: "bf16", value: 0.0)
        for (name, t, bits) in candidates { if let t, t * bits > best.value { best = (name, t * bits) } }
        tpp = best.value
        tppDtype = best.name
        pd = tpp / gpu.dieAreaMM2
        io = gpu.nvlinkGBps + gpu.pcieGBps
    }

    public func value(_ metric: String) -> Double {
        switch metric { case "tpp": return tpp; case "pd": return pd; default: return io }
    }
}

/// What a rule says about one GPU: the classes that catch it, and each clause's check with numbers.
public struct RuleVerdict: Codable, Sendable, Equatable {
    public var rule: String
    public var gpu: String
    public var metrics: ExportMetrics
    /// Names of the classes that catch the GPU (empty: not controlled by this rule).
    public var caughtBy: [String]
    /// One line per clause: the conditions with the GPU's values and whether each holds.
    public var reasons: [String]
    public var isControlled: Bool { !caughtBy.isEmpty }
}

extension ExportRule {
    /// Evaluates the rule for `gpu`.
    public func evaluate(_ gpu: GPUProfile) -> RuleVerdict {
        let m = ExportMetrics(gpu: gpu)
        var caught: [String] = [], reasons: [String] = []
        for c in classes {
            var classHit = false
            for clause in c.anyOf {
                var all = true
                var parts: [String] = []
                for cond in clause {
                    let v = m.value(cond.metric)
                    var ok = true
                    var text = "\(cond.metric.uppercased()) \(ExportRule.fmt(v))"
                    if let lo = cond.min { ok = ok && v >= lo; text += " ≥ \(ExportRule.fmt(lo))" }
                    if let hi = cond.below { ok = ok && v < hi; text += (cond.min == nil ? "" : " and") + " < \(ExportRule.fmt(hi))" }
                    parts.append(text + (ok ? " ✓" : " ✗"))
                    all = all && ok
                }
                reasons.append("\(c.name): " + parts.joined(separator: ", ") + (all ? " → caught" : " → not caught"))
                classHit = classHit || all
            }
            if classHit { caught.append(c.name) }
        }
        return RuleVerdict(rule: id, gpu: gpu.id, metrics: m, caughtBy: caught, reasons: reasons)
    }

    static func fmt(_ v: Double) -> String {
        v >= 100 ? String(format: "%.0f", v) : String(format: "%.2f", v)
    }
}
