import Foundation
import PostgresNIO

/// One profile measurement in llama-bench's shape (one test: `n_prompt` prompt tokens or `n_gen` generated
/// tokens at `n_threads`, tokens/s averaged over repetitions), keyed by the machine and the tuned config it
/// ran with. The `profile` command fills these; the store keeps the whole record as JSONB too, so fields a
/// later profile adds survive.
public struct ProfileRow: Codable, Sendable, Equatable {
    public var fingerprint: String
    /// Hash of the tuned config the run used (nil: analytical defaults).
    public var configHash: String?
    /// Model id or file name.
    public var model: String
    public var nPrompt: Int
    public var nGen: Int
    public var nThreads: Int
    /// Mean and standard deviation of tokens/s over the samples.
    public var avgTs: Double
    public var stddevTs: Double
    /// Tokens/s of each repetition.
    public var samplesTs: [Double]
    /// Anything else the profile records (build, backend, timestamps), kept as given.
    public var extra: [String: String]

    public init(fingerprint: String, configHash: String?, model: String, nPrompt: Int, nGen: Int, nThreads: Int,
                avgTs: Double, stddevTs: Double, samplesTs: [Double], extra: [String: String] = [:]) {
        self.fingerprint = fingerprint; self.configHash = configHash; self.model = model; self.nPrompt = nPrompt
        self.nGen = nGen; self.nThreads = nThreads; self.avgTs = avgTs; self.stddevTs = stddevTs
        self.samplesTs = samplesTs; self.extra = extra
    }

    enum CodingKeys: String, CodingKey {
        case fingerprint, configHash = "config_hash", model, nPrompt = "n_prompt", nGen = "n_gen", nThreads = "n_threads"
        case avgTs = "avg_ts", stddevTs = "stddev_ts", samplesTs = "samples_ts", extra
    }

    /// Why this row cannot be stored (negative counts, non-finite or negative rates), or nil.
    public var problem: String? {
        if nPrompt < 0 { return "field 'n_prompt' is \(nPrompt), expected ≥ 0" }
        if nGen < 0 { return "field 'n_gen' is \(nGen), expected ≥ 0" }
        if nThreads < 1 { return "field 'n_threads' is \(nThreads), expected ≥ 1" }
        if !avgTs.isFinite || avgTs < 0 { return "field 'avg_ts' is \(avgTs), expected a finite rate ≥ 0" }
        if !stddevTs.isFinite || stddevTs < 0 { return "field 'stddev_ts' is \(stddevTs), expected a finite value ≥ 0" }
        if let bad = samplesTs.first(where: { !$0.isFinite || $0 < 0 }) { return "field 'samples_ts' holds \(bad), expected finite rates ≥ 0" }
        if model.isEmpty { return "field 'model' is empty" }
        return nil
    }
}

extension ResultsStore {
    /// Stores profile rows; a row identical to one already stored (same JSON) is not added twice. Returns
    /// how many were new. Rows with a `problem` are refused before anything is written.
    @discardableResult
    public func insertProfileRows(_ rows: [ProfileRow]) throws(StoreError) -> Int {
        for (i, r) in rows.enumerated() {
            if let p = r.problem { throw .file(path: "profile row \(i + 1)", reason: p) }
        }
        guard !rows.isEmpty else { return 0 }
        let encoder = JSONEncoder.sorted
        var records: [String] = [], samples: [String] = []
        for r in rows {
            guard let record = try? encoder.encode(r), let s = try? encoder.encode(r.samplesTs) else {
                throw .file(path: "profile row", reason: "cannot encode as JSON")
            }
            records.append(String(decoding: record, as: UTF8.self))
            samples.append(String(decoding: s, as: UTF8.self))
        }
        return try connection.transaction("storing profile rows") { () throws(StoreError) -> Int in
            for fp in Set(rows.map(\.fingerprint)).sorted() { try recordMachine(fingerprint: fp, summary: nil) }
            let result = try connection.query("""
                WITH input AS (
                    SELECT * FROM unnest(\(rows.map(\.fingerprint))::text[], \(rows.map { $0.configHash ?? "" })::text[],
                                         \(rows.map(\.model))::text[], \(rows.map(\.nPrompt))::int8[], \(rows.map(\.nGen))::int8[],
                                         \(rows.map(\.nThreads))::int8[], \(rows.map(\.avgTs))::float8[], \(rows.map(\.stddevTs))::float8[],
                                         \(samples)::text[], \(records)::text[])
                        AS t(fingerprint, config_hash, model, n_prompt, n_gen, n_threads, avg_ts, stddev_ts, samples, record)),
                added AS (
                    INSERT INTO ktune.profile_rows (fingerprint, config_hash, model, n_prompt, n_gen, n_threads, avg_ts,
                                                    stddev_ts, samples, row_hash, record)
                    SELECT fingerprint, nullif(config_hash, ''), model, n_prompt, n_gen, n_threads, avg_ts, stddev_ts,
                           samples::jsonb, md5(record::jsonb::text), record::jsonb
                    FROM input
                    ON CONFLICT (row_hash) DO NOTHING
                    RETURNING 1)
                SELECT count(*) FROM added
                """, "storing profile rows")
            return try connection.decoding("ktune.profile_rows") { Int(try result.first?.decode(Int64.self) ?? 0) }
        }
    }

    /// Profile rows of `fingerprint`, oldest first.
    public func profileRows(fingerprint: String) throws(StoreError) -> [ProfileRow] {
        let rows = try connection.query("""
            SELECT record::text FROM ktune.profile_rows WHERE fingerprint = \(fingerprint) ORDER BY id
            """, "reading profile rows")
        let texts = try connection.decoding("ktune.profile_rows") { try rows.map { try $0.decode(String.self) } }
        return try texts.map { (t: String) throws(StoreError) -> ProfileRow in
            do {
                return try JSONDecoder.journal.decode(ProfileRow.self, from: Data(t.utf8))
            } catch {
                throw .badRow(store: name, table: "ktune.profile_rows", reason: "\(error)")
            }
        }
    }
}
