/// What the report shows of a tuning run: the journal's measured candidates and the tuned config's winners.
public struct TuningData: Sendable, Equatable {
    /// One journal line: a measured candidate.
    public struct Candidate: Sendable, Equatable {
        public var kernel: String
        public var shape: String
        public var time: String
        public var params: [String: Int]
        public var outcome: String
        public var gflops: Double?
        public var noisy: Bool
        public var rung: Int
        public var key: String { "\(kernel) \(shape)" }
    }
    /// One tuned-config entry: chosen vs default, and any end-to-end figures recorded with it.
    public struct Winner: Sendable, Equatable {
        public var kernel: String
        public var shape: String
        public var params: [String: Int]
        public var tuned: Double
        public var tunedRange: ClosedRange<Double>?
        public var baseline: Double
        public var baselineRange: ClosedRange<Double>?
        public var speedup: Double?
        /// A condition the measurement was made under ("cold", "hot"), when the config records one.
        public var condition: String?
        public var key: String { "\(kernel) \(shape)" }
    }
    /// An end-to-end speedup recorded in the config (tokens/s tuned ÷ default), when there is one.
    public struct EndToEnd: Sendable, Equatable {
        public var label: String
        public var speedup: Double
        /// Median tokens/s of the analytical-default plan and of the tuned plan, when recorded.
        public var defaultTokensPerSecond: Double?
        public var tunedTokensPerSecond: Double?
    }

    public var journal: Provenance?
    public var config: Provenance?
    public var candidates: [Candidate]
    public var winners: [Winner]
    public var endToEnd: [EndToEnd]
    /// Lines of the journal that could not be read, with their line numbers.
    public var skipped: [String]
    public var strategy: String?
    /// What the config says about its end-to-end run (model, threads, dropped entries).
    public var endToEndNotes: [String] = []

    public init(journal: Provenance? = nil, config: Provenance? = nil, candidates: [Candidate] = [],
                winners: [Winner] = [], endToEnd: [EndToEnd] = [], skipped: [String] = [], strategy: String? = nil) {
        self.journal = journal; self.config = config; self.candidates = candidates; self.winners = winners
        self.endToEnd = endToEnd; self.skipped = skipped; self.strategy = strategy
    }

    static func params(_ v: JSONValue?) -> [String: Int] {
        // ParameterSet encodes as {"values": {...}}; accept a plain object too.
        let o = v?["values"]?.object ?? v?.object ?? [:]
        return o.compactMapValues(\.int)
    }

    /// Reads a journal (JSON Lines): a header line, then one candidate per line. Unreadable lines are
    /// skipped and listed; a file with no readable line at all is an error.
    public static func readJournal(_ path: String) throws(InputError) -> (Provenance, [Candidate], [String], String?) {
        let (data, p) = try InputFile.read(path)
        var prov = p
        var candidates: [Candidate] = []
        var skipped: [String] = []
        var strategy: String?
        var sawHeader = false
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (i, line) in lines.enumerated() where !line.allSatisfy({ $0 == 32 || $0 == 13 }) {
            guard let j = try? JSONValue.parse(Data(line)), j.object != nil else {
                skipped.append("line \(i + 1): not valid JSON (truncated?)")
                continue
            }
            if j["type"]?.string == "header" {
                sawHeader = true
                prov.fingerprint = j["fingerprint"]?.string
                strategy = j["strategy"]?.string
                if let created = j["createdAt"]?.string { prov.date = created }
                continue
            }
            guard let kernel = j["kernel"]?.string, let shape = j["shape"]?.string, let r = j["result"] else {
                skipped.append("line \(i + 1): no 'kernel', 'shape' or 'result' field")
                continue
            }
            // A rate that is there but not a finite number ≥ 0 ("inf", "nan", negative) is not a measurement.
            if let raw = r["gflops"]?["median"], raw.double.map({ $0 < 0 }) ?? true {
                skipped.append("line \(i + 1): field 'result.gflops.median' is \(raw.text), expected a finite GFLOP/s ≥ 0")
                continue
            }
            candidates.append(Candidate(kernel: kernel, shape: shape, time: j["time"]?.string ?? "",
                                        params: params(r["params"]), outcome: r["outcome"]?.string ?? "unknown",
                                        gflops: r["gflops"]?["median"]?.double, noisy: r["noisy"]?.bool ?? false,
                                        rung: r["rung"]?.int ?? 0))
        }
        if !sawHeader && candidates.isEmpty {
            throw InputError("\(path): no journal header and no candidate line; not a `ktune tune` journal")
        }
        return (prov, candidates, skipped, strategy)
    }

    /// Reads a tuned config (`ktune tune --out`).
    public static func readConfig(_ path: String) throws(InputError) -> (Provenance, [Winner], [EndToEnd], [String]) {
        let (j, p) = try InputFile.json(path)
        guard let entries = j["entries"]?.array else {
            throw InputError("\(path): no 'entries' array; not a tuned config from `ktune tune`")
        }
        var prov = p
        prov.fingerprint = j["machine"]?["fingerprint"]?.string
        if let created = j["createdAt"]?.string { prov.date = created }
        func range(_ m: JSONValue?) -> ClosedRange<Double>? {
            guard let lo = m?["min"]?.double, let hi = m?["max"]?.double, lo <= hi else { return nil }
            return lo...hi
        }
        var rejected: [String] = []
        let winners = entries.enumerated().compactMap { (i, e) -> Winner? in
            guard let kernel = e["kernel"]?.string, let shape = e["shape"]?.string,
                  let tuned = e["measured"]?["median"]?.double,
                  let base = e["baseline"]?["gflops"]?["median"]?.double else { return nil }
            // Rates must be positive and a speedup, when given, too: a zero baseline would be an infinite speedup.
            for (field, v) in [("measured.median", tuned), ("baseline.gflops.median", base)] where !(v > 0) {
                rejected.append("entry \(i) (\(kernel) \(shape)): field '\(field)' is \(v), expected a GFLOP/s > 0")
                return nil
            }
            if let raw = e["speedup"], !(raw.double.map { $0 > 0 } ?? false) {
                rejected.append("entry \(i) (\(kernel) \(shape)): field 'speedup' is \(raw.text), expected a finite factor > 0")
                return nil
            }
            return Winner(kernel: kernel, shape: shape, params: params(e["params"]), tuned: tuned,
                          tunedRange: range(e["measured"]), baseline: base, baselineRange: range(e["baseline"]?["gflops"]),
                          speedup: e["speedup"]?.double, condition: e["condition"]?.string)
        }
        if winners.isEmpty && !entries.isEmpty {
            throw InputError("\(path): no entry has 'kernel', 'shape', 'measured.median' and 'baseline.gflops.median'"
                             + (rejected.isEmpty ? "" : " usable (\(rejected.prefix(3).joined(separator: "; ")))"))
        }
        // End-to-end runs (`ktune tune --model`): {"endToEnd": {model, threads, phases: [{name, speedup,
        // defaultTokensPerSecond, tunedTokensPerSecond}], dropped}}; a plain list of phases is read too.
        var e2e: [EndToEnd] = []
        let block = j["endToEnd"]
        let model = block?["model"]?.string
        for item in block?["phases"]?.array ?? block?.array ?? [] {
            guard let s = item["speedup"]?.double, s > 0 else { continue }
            let label = [item["name"]?.string ?? item["phase"]?.string ?? item["label"]?.string].compactMap { $0 }.joined()
            e2e.append(EndToEnd(label: label.isEmpty ? "end to end" : label, speedup: s,
                                defaultTokensPerSecond: item["defaultTokensPerSecond"]?.double,
                                tunedTokensPerSecond: item["tunedTokensPerSecond"]?.double))
        }
        if let s = block?["speedup"]?.double, s > 0 { e2e.append(EndToEnd(label: "end to end", speedup: s)) }
        var notes: [String] = []
        if !rejected.isEmpty { notes.append("\(path): not shown: " + rejected.joined(separator: "; ") + ".") }
        if let model, !e2e.isEmpty {
            notes.append("End to end on \(model)" + (block?["threads"]?.int.map { ", \($0) threads" } ?? "")
                         + (block?["rounds"]?.int.map { ", \($0) interleaved rounds per phase" } ?? "") + ".")
        }
        let dropped = (block?["dropped"]?.array ?? []).compactMap(\.string)
        if !dropped.isEmpty { notes.append("Dropped because a phase using them lost end to end: " + dropped.joined(separator: "; ") + ".") }
        return (prov, winners, e2e, notes)
    }
}

import Foundation
