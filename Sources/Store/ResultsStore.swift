import Configs
import Foundation
import Kernels
import PostgresNIO
import Tuner

/// The shared results store: machines, tuning runs with their measurements, versioned tuned configs and
/// profile rows, on one PostgreSQL database. Opening it connects, logs in and brings the schema up to date
/// (`Schema.migrate`). Every write is keyed so that repeating it adds nothing: a journal's run is the hash
/// of its header line, each measurement the hash of its JSON, a config version the hash of its JSON.
public final class ResultsStore {
    public let connection: StoreConnection
    public var location: StoreLocation { connection.location }
    var name: String { connection.location.description }

    /// Connects to `location` and migrates its schema; throws `.unreachable`, `.authentication` or
    /// `.newerSchema` with a message naming the store.
    public static func open(_ location: StoreLocation) throws(StoreError) -> ResultsStore {
        let c = try StoreConnection(location)
        do {
            try Schema.migrate(c)
        } catch {
            c.close()
            throw error
        }
        return ResultsStore(connection: c)
    }

    init(connection: StoreConnection) { self.connection = connection }

    public func close() { connection.close() }

    // MARK: machines

    /// Inserts the machine or refreshes its last-seen time (and its description when `summary` is given).
    public func recordMachine(fingerprint: String, summary: TunedConfig.MachineSummary?) throws(StoreError) {
        let description = summary.flatMap { try? String(decoding: JSONEncoder.sorted.encode($0), as: UTF8.self) }
            ?? "{\"fingerprint\": \(Self.quote(fingerprint))}"
        let known = summary != nil
        try connection.query("""
            INSERT INTO ktune.machines (fingerprint, description) VALUES (\(fingerprint), \(description)::jsonb)
            ON CONFLICT (fingerprint) DO UPDATE SET last_seen = now(),
                description = CASE WHEN \(known) THEN EXCLUDED.description ELSE ktune.machines.description END
            """, "recording machine \(fingerprint)")
    }

    /// One machine the store knows, with what it holds for it.
    public struct MachineRow: Sendable, Equatable {
        public var fingerprint: String
        public var cpu: String?
        public var cores: Int?
        public var firstSeen: String
        public var lastSeen: String
        public var runs: Int
        public var measurements: Int
        public var latestConfigVersion: Int?
    }

    public func machines() throws(StoreError) -> [MachineRow] {
        let rows = try connection.query("""
            SELECT m.fingerprint, m.description->>'cpu', (m.description->>'cores')::int8,
                   to_char(m.first_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   to_char(m.last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   (SELECT count(*) FROM ktune.runs r WHERE r.fingerprint = m.fingerprint),
                   (SELECT count(*) FROM ktune.measurements x WHERE x.fingerprint = m.fingerprint),
                   (SELECT max(version)::int8 FROM ktune.tuned_configs c WHERE c.fingerprint = m.fingerprint)
            FROM ktune.machines m ORDER BY m.last_seen DESC, m.fingerprint
            """, "listing machines")
        return try connection.decoding("ktune.machines") {
            try rows.map { r in
                let (fp, cpu, cores, first, last, runs, n, v) = try r.decode((String, String?, Int64?, String, String, Int64, Int64, Int64?).self)
                return MachineRow(fingerprint: fp, cpu: cpu, cores: cores.map(Int.init), firstSeen: first, lastSeen: last,
                                  runs: Int(runs), measurements: Int(n), latestConfigVersion: v.map(Int.init))
            }
        }
    }

    // MARK: journals

    /// What pushing a journal did.
    public struct PushReport: Sendable, Equatable {
        public var runID: String
        public var fingerprint: String
        /// Entries new to the store.
        public var added: Int
        /// Entries the store already had (an earlier push of the same journal).
        public var alreadyStored: Int
        /// Lines that are not journal entries, with their line numbers.
        public var skipped: [String]
    }

    /// Uploads a journal file's bytes: its header becomes a run (id = hash of the header line), each entry
    /// line a measurement keyed by the hash of its JSON, so pushing the same journal again adds nothing.
    /// Entries are stored as they are in the file (unknown fields kept); lines that do not decode as journal
    /// entries are skipped and reported.
    public func pushJournal(_ data: Data, path: String, source: String = "push") throws(StoreError) -> PushReport {
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard let first = lines.first, !first.isEmpty else { throw .file(path: path, reason: "the journal is empty (no header line)") }
        let decoder = JSONDecoder.journal
        let header: JournalHeader
        do {
            header = try decoder.decode(JournalHeader.self, from: Data(first))
        } catch {
            throw .file(path: path, reason: "line 1 is not a journal header (\(TunedConfigFile.describe(error)))")
        }
        guard header.type == "header" else { throw .file(path: path, reason: "line 1: field 'type' is '\(header.type)', expected 'header'") }
        let headerText = String(decoding: first, as: UTF8.self)
        let runID = "j-" + Self.hash(headerText)
        var skipped: [String] = []
        var families: [String] = [], shapes: [String] = [], paramHashes: [String] = [], rungs: [Int] = []
        var lineNumbers: [Int] = [], texts: [String] = []
        for (n, line) in lines.enumerated().dropFirst() {
            let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty { continue }
            do {
                let e = try decoder.decode(JournalEntry.self, from: Data(text.utf8))
                guard e.type == "candidate" else {
                    skipped.append("\(path):\(n + 1): line type '\(e.type)' is not a candidate; skipped")
                    continue
                }
                families.append(e.kernel); shapes.append(e.shape); paramHashes.append(Self.hash(e.result.params.description))
                rungs.append(e.result.rung); lineNumbers.append(n + 1); texts.append(text)
            } catch {
                skipped.append("\(path):\(n + 1): not a journal entry (\(TunedConfigFile.describe(error))); skipped")
            }
        }
        let fingerprint = header.fingerprint
        let added = try connection.transaction("pushing journal \(path)") { () throws(StoreError) -> Int in
            try recordMachine(fingerprint: fingerprint, summary: nil)
            try connection.query("""
                INSERT INTO ktune.runs (run_id, fingerprint, header, source) VALUES (\(runID), \(fingerprint), \(headerText)::jsonb, \(source))
                ON CONFLICT (run_id) DO NOTHING
                """, "recording run \(runID)")
            return try insertEntries(runID: runID, fingerprint: fingerprint, families: families, shapes: shapes,
                                     paramHashes: paramHashes, rungs: rungs, lineNumbers: lineNumbers, texts: texts)
        }
        return PushReport(runID: runID, fingerprint: fingerprint, added: added, alreadyStored: texts.count - added, skipped: skipped)
    }

    /// Inserts measurement rows in one statement (arrays unnested server-side); returns how many were new.
    func insertEntries(runID: String, fingerprint: String, families: [String], shapes: [String], paramHashes: [String],
                       rungs: [Int], lineNumbers: [Int], texts: [String]) throws(StoreError) -> Int {
        guard !texts.isEmpty else { return 0 }
        let rows = try connection.query("""
            WITH input AS (
                SELECT * FROM unnest(\(families)::text[], \(shapes)::text[], \(paramHashes)::text[], \(rungs)::int8[],
                                     \(lineNumbers)::int8[], \(texts)::text[]) AS t(family, shape, params_hash, rung, line_no, entry)),
            added AS (
                INSERT INTO ktune.measurements (run_id, fingerprint, family, shape, params_hash, rung, line_no, entry_hash, entry)
                SELECT \(runID), \(fingerprint), family, shape, params_hash, rung, line_no, md5(entry::jsonb::text), entry::jsonb
                FROM input
                ON CONFLICT (run_id, entry_hash) DO NOTHING
                RETURNING 1)
            SELECT count(*) FROM added
            """, "storing measurements of run \(runID)")
        return try connection.decoding("ktune.measurements") { Int(try rows.first?.decode(Int64.self) ?? 0) }
    }

    /// A stored run.
    public struct RunRow: Sendable, Equatable {
        public var runID: String
        public var fingerprint: String
        public var source: String
        public var pushedAt: String
        public var measurements: Int
    }

    /// Runs of `fingerprint` (all machines when nil), newest first.
    public func runs(fingerprint: String?) throws(StoreError) -> [RunRow] {
        let rows = try connection.query("""
            SELECT r.run_id, r.fingerprint, r.source,
                   to_char(r.pushed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   (SELECT count(*) FROM ktune.measurements m WHERE m.run_id = r.run_id)
            FROM ktune.runs r WHERE \(fingerprint)::text IS NULL OR r.fingerprint = \(fingerprint)
            ORDER BY r.pushed_at DESC, r.run_id
            """, "listing runs")
        return try connection.decoding("ktune.runs") {
            try rows.map { r in
                let (id, fp, source, at, n) = try r.decode((String, String, String, String, Int64).self)
                return RunRow(runID: id, fingerprint: fp, source: source, pushedAt: at, measurements: Int(n))
            }
        }
    }

    /// A run as journal text: its header line, then its entries in their original order. What `store pull
    /// --run` writes, readable by `ktune tune --resume`.
    public func journalText(runID: String) throws(StoreError) -> String {
        let head = try connection.query("SELECT header::text FROM ktune.runs WHERE run_id = \(runID)", "reading run \(runID)")
        guard let h = head.first else { throw .notFound(store: name, what: "no run '\(runID)' (see `ktune store list`)") }
        let header = try connection.decoding("ktune.runs") { try h.decode(String.self) }
        let rows = try connection.query("""
            SELECT entry::text FROM ktune.measurements WHERE run_id = \(runID) ORDER BY line_no, id
            """, "reading the measurements of run \(runID)")
        let entries = try connection.decoding("ktune.measurements") { try rows.map { try $0.decode(String.self) } }
        return ([header] + entries).joined(separator: "\n") + "\n"
    }

    // MARK: tuned configs

    /// What pushing a config did.
    public struct ConfigPush: Sendable, Equatable {
        public var fingerprint: String
        public var version: Int
        /// False when the store already had this exact config (its existing version is returned).
        public var added: Bool
    }

    /// Stores a tuned config (the file's JSON, whole) as the next version for its machine, unless the same
    /// config is already stored. Its speedups (per entry, and end to end when the config has them) are kept
    /// in a column of their own for listing.
    public func pushConfig(_ data: Data, path: String, runID: String? = nil, source: String = "push") throws(StoreError) -> ConfigPush {
        let config = try Self.decodeConfig(data, path: path)
        let text = String(decoding: data, as: UTF8.self)
        let fp = config.machine.fingerprint
        let speedups = Self.speedups(of: data)
        return try connection.transaction("pushing config \(path)") { () throws(StoreError) -> ConfigPush in
            try recordMachine(fingerprint: fp, summary: config.machine)
            // The machine row's lock serialises version numbers between two pushes for one machine.
            try connection.query("SELECT 1 FROM ktune.machines WHERE fingerprint = \(fp) FOR UPDATE", "locking machine \(fp)")
            let existing = try connection.query("""
                SELECT version::int8 FROM ktune.tuned_configs WHERE fingerprint = \(fp) AND config_hash = md5(\(text)::jsonb::text)
                """, "looking up config \(path)")
            if let row = existing.first {
                let v = try connection.decoding("ktune.tuned_configs") { try row.decode(Int64.self) }
                return ConfigPush(fingerprint: fp, version: Int(v), added: false)
            }
            let rows = try connection.query("""
                INSERT INTO ktune.tuned_configs (fingerprint, version, config_hash, config, speedups, run_id, source)
                SELECT \(fp), coalesce(max(version), 0) + 1, md5(\(text)::jsonb::text), \(text)::jsonb, \(speedups)::jsonb, \(runID), \(source)
                FROM ktune.tuned_configs WHERE fingerprint = \(fp)
                RETURNING version::int8
                """, "storing config \(path)")
            let v = try connection.decoding("ktune.tuned_configs") { try rows.first?.decode(Int64.self) ?? 0 }
            return ConfigPush(fingerprint: fp, version: Int(v), added: true)
        }
    }

    /// A config as stored.
    public struct StoredConfig: Sendable {
        public var fingerprint: String
        public var version: Int
        public var createdAt: String
        public var source: String
        /// The config's JSON as the store holds it.
        public var json: String
    }

    /// The newest config (or `version`) for exactly `fingerprint` (never another machine's), or nil.
    public func latestConfig(fingerprint: String, version: Int? = nil) throws(StoreError) -> StoredConfig? {
        let rows = try connection.query("""
            SELECT version::int8, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), source, jsonb_pretty(config)
            FROM ktune.tuned_configs WHERE fingerprint = \(fingerprint) AND (\(version)::int8 IS NULL OR version = \(version))
            ORDER BY version DESC LIMIT 1
            """, "reading the config of machine \(fingerprint)")
        guard let r = rows.first else { return nil }
        return try connection.decoding("ktune.tuned_configs") {
            let (v, at, source, json) = try r.decode((Int64, String, String, String).self)
            return StoredConfig(fingerprint: fingerprint, version: Int(v), createdAt: at, source: source, json: json)
        }
    }

    /// How many other machines have configs in the store (for "not used: tuned for other machines").
    public func configCount(excluding fingerprint: String) throws(StoreError) -> Int {
        let rows = try connection.query("""
            SELECT count(DISTINCT fingerprint) FROM ktune.tuned_configs WHERE fingerprint <> \(fingerprint)
            """, "counting configs")
        return try connection.decoding("ktune.tuned_configs") { Int(try rows.first?.decode(Int64.self) ?? 0) }
    }

    /// Config versions of `fingerprint`, newest first: (version, created, source, speedups JSON).
    public func configVersions(fingerprint: String) throws(StoreError) -> [(version: Int, createdAt: String, source: String, speedups: String)] {
        let rows = try connection.query("""
            SELECT version::int8, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), source, speedups::text
            FROM ktune.tuned_configs WHERE fingerprint = \(fingerprint) ORDER BY version DESC
            """, "listing configs")
        return try connection.decoding("ktune.tuned_configs") {
            try rows.map { r in
                let (v, at, s, sp) = try r.decode((Int64, String, String, String).self)
                return (Int(v), at, s, sp)
            }
        }
    }

    // MARK: best measurements

    /// The best ok measurement per (family, shape) over every run of `fingerprint`.
    public struct BestRow: Sendable, Equatable {
        public var family: String
        public var shape: String
        public var params: String
        public var gflops: Double
        public var runID: String
        /// ok measurements of this shape in the store.
        public var measured: Int
    }

    public func best(fingerprint: String) throws(StoreError) -> [BestRow] {
        let rows = try connection.query("""
            SELECT DISTINCT ON (family, shape) family, shape, entry->'result'->'params' #>> '{}',
                   (entry->'result'->'gflops'->>'median')::float8, run_id,
                   count(*) OVER (PARTITION BY family, shape)
            FROM ktune.measurements
            WHERE fingerprint = \(fingerprint) AND entry->'result'->>'outcome' = 'ok'
                  AND jsonb_typeof(entry->'result'->'gflops'->'median') = 'number'
            ORDER BY family, shape, (entry->'result'->'gflops'->>'median')::float8 DESC, id
            """, "finding the best measurements")
        return try connection.decoding("ktune.measurements") {
            try rows.map { r in
                let (f, s, p, g, run, n) = try r.decode((String, String, String, Double, String, Int64).self)
                return BestRow(family: f, shape: s, params: Self.paramsText(p), gflops: g, runID: run, measured: Int(n))
            }
        }
    }

    // MARK: helpers

    /// A tuned config's bytes, checked like `TunedConfigFile.load` does (schema version first, then fields).
    static func decodeConfig(_ data: Data, path: String) throws(StoreError) -> TunedConfig {
        if let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let v = obj["schemaVersion"] as? Int, v != TunedConfig.currentSchemaVersion {
            throw .file(path: path, reason: "field 'schemaVersion' is \(v), expected \(TunedConfig.currentSchemaVersion)")
        }
        do {
            return try JSONDecoder().decode(TunedConfig.self, from: data)
        } catch {
            throw .file(path: path, reason: "not a valid tuned config (\(TunedConfigFile.describe(error)))")
        }
    }

    /// 64-bit FNV-1a of `text` as 16 hex digits (run ids, parameter hashes).
    static func hash(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 { h ^= UInt64(b); h &*= 0x0000_0100_0000_01b3 }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    static func quote(_ s: String) -> String {
        (try? String(decoding: JSONEncoder().encode(s), as: UTF8.self)) ?? "\"\""
    }

    /// `{"kc":256,"mc":96}` → `kc=256,mc=96` (the canonical ParameterSet text).
    static func paramsText(_ json: String) -> String {
        guard let p = try? JSONDecoder().decode(ParameterSet.self, from: Data(json.utf8)) else { return json }
        return p.description
    }

    /// Per-entry speedups and, when the config carries them, its end-to-end figures (any top-level field
    /// whose name mentions "endToEnd" or "speedup"), as JSON.
    static func speedups(of data: Data) -> String {
        guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return "{}" }
        var out: [String: Any] = [:]
        if let entries = obj["entries"] as? [[String: Any]] {
            out["kernels"] = entries.map { e -> [String: Any] in
                ["kernel": e["kernel"] ?? "", "shape": e["shape"] ?? "", "speedup": e["speedup"] ?? NSNull()]
            }
        }
        for (k, v) in obj where k.lowercased().contains("endtoend") || k.lowercased().contains("speedup") { out[k] = v }
        guard let d = try? JSONSerialization.data(withJSONObject: out, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: d, as: UTF8.self)
    }
}

extension JSONEncoder {
    /// Sorted keys, non-finite numbers as strings (the journal's convention).
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }
}

extension JSONDecoder {
    /// Reads what `JSONEncoder.sorted` writes.
    static var journal: JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }
}
