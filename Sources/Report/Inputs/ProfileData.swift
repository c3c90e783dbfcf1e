import Foundation

/// What the report shows of `ktune profile -o json`: llama-bench's record fields plus ktune's `ktune`
/// object (config, machine, per-op times and roofline placement).
public struct ProfileData: Sendable, Equatable {
    public struct Op: Sendable, Equatable {
        public var op: String
        public var calls: Int?
        public var totalNs: Double?
        public var selfNs: Double?
        public var share: Double?
        public var gflops: Double?
        public var gbps: Double?
        public var bound: String?
        public var limit: Double?
        public var fractionOfLimit: Double?
        /// FLOP per byte moved, when both rates are known.
        public var intensity: Double? {
            guard let f = gflops, let b = gbps, b > 0, f > 0 else { return nil }
            return f / b
        }
    }
    public struct Record: Sendable, Equatable {
        public var model: String
        public var threads: Int
        public var nPrompt: Int
        public var nGen: Int
        public var tokensPerSecond: Double
        public var stddev: Double
        public var testTime: String?
        /// "default" or the tuned config's path.
        public var config: String
        public var configHash: String?
        public var fingerprint: String?
        public var disturbed: Bool
        public var ops: [Op]
        /// llama-bench's test name: "pp512", "tg128", or "pp512+tg128".
        public var test: String {
            switch (nPrompt, nGen) {
            case (let p, 0): return "pp\(p)"
            case (0, let g): return "tg\(g)"
            case let (p, g): return "pp\(p)+tg\(g)"
            }
        }
        /// "default" or the config's file name: short enough for an axis label.
        public var configLabel: String {
            config == "default" ? "default" : (config as NSString).lastPathComponent
        }
    }

    public var provenance: Provenance
    public var records: [Record]
    public var skipped: [String]

    /// Reads a JSON array of records, or JSON Lines (one record per line).
    public static func read(_ path: String) throws(InputError) -> ProfileData {
        let (data, p) = try InputFile.read(path)
        var objects: [(Int, JSONValue)] = []
        var skipped: [String] = []
        if let whole = try? JSONValue.parse(data) {
            if let a = whole.array { objects = a.enumerated().map { ($0.offset + 1, $0.element) } }
            else if whole.object != nil { objects = [(1, whole)] }
            else { throw InputError("\(path): expected an array of llama-bench-style records") }
        } else {
            let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            for (i, line) in lines.enumerated() where !line.allSatisfy({ $0 == 32 || $0 == 13 }) {
                if let j = try? JSONValue.parse(Data(line)), j.object != nil { objects.append((i + 1, j)) }
                else { skipped.append("line \(i + 1): not valid JSON (truncated?)") }
            }
            if objects.isEmpty { throw InputError("\(path): neither a JSON array nor JSON Lines of profile records (truncated?)") }
        }
        var records: [Record] = []
        for (n, o) in objects {
            guard let ts = o["avg_ts"]?.double, ts >= 0 else {
                skipped.append("record \(n): no finite 'avg_ts' (tokens/s)")
                continue
            }
            if let t = o["n_threads"], !(t.int.map { $0 >= 1 } ?? false) {
                skipped.append("record \(n): field 'n_threads' is \(t.text), expected a whole number ≥ 1")
                continue
            }
            if let sd = o["stddev_ts"], !(sd.double.map { $0 >= 0 } ?? false) {
                skipped.append("record \(n): field 'stddev_ts' is \(sd.text), expected a finite value ≥ 0")
                continue
            }
            let k = o["ktune"]
            let ops = (k?["ops"]?.array ?? []).compactMap { v -> Op? in
                guard let name = v["op"]?.string else { return nil }
                // Times, shares and rates are never negative: such an op is left out, and said so.
                for f in ["total_ns", "self_ns", "share", "gflops", "gbps", "limit", "fraction_of_limit"] {
                    if let x = v[f], !(x.double.map { $0 >= 0 } ?? false) {
                        skipped.append("record \(n): op '\(name)' field '\(f)' is \(x.text), expected a finite value ≥ 0; op not shown")
                        return nil
                    }
                }
                return Op(op: name, calls: v["calls"]?.int, totalNs: v["total_ns"]?.double, selfNs: v["self_ns"]?.double,
                          share: v["share"]?.double, gflops: v["gflops"]?.double, gbps: v["gbps"]?.double,
                          bound: v["bound"]?.string, limit: v["limit"]?.double, fractionOfLimit: v["fraction_of_limit"]?.double)
            }
            records.append(Record(model: o["model_filename"]?.string ?? o["model_type"]?.string ?? "unknown model",
                                  threads: o["n_threads"]?.int ?? 0, nPrompt: o["n_prompt"]?.int ?? 0, nGen: o["n_gen"]?.int ?? 0,
                                  tokensPerSecond: ts, stddev: max(o["stddev_ts"]?.double ?? 0, 0),
                                  testTime: o["test_time"]?.string, config: k?["config"]?.string ?? "default",
                                  configHash: k?["config_hash"]?.string, fingerprint: k?["machine_fingerprint"]?.string,
                                  disturbed: k?["disturbed"]?.bool ?? false, ops: ops))
        }
        if records.isEmpty {
            throw InputError("\(path): no record has 'avg_ts'; not the output of `ktune profile -o json`"
                             + (skipped.isEmpty ? "" : " (\(skipped.prefix(3).joined(separator: "; ")))"))
        }
        var prov = p
        prov.fingerprint = records.compactMap(\.fingerprint).first
        if let t = records.compactMap(\.testTime).first { prov.date = t }
        return ProfileData(provenance: prov, records: records, skipped: skipped)
    }
}
