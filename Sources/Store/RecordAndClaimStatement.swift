import PostgresNIO

/// The statement behind `SweepQueue.startRecording`: marks a worker's measured candidates done, stores their
/// journal entries with the sweep's run, and claims the next batch of candidates, in one round trip.
/// Prepared once per connection (PostgresNIO names it and parses it on first use), since a worker runs it
/// once per batch. The measured candidates come as parallel arrays, one element per candidate.
struct RecordAndClaimStatement: PostgresPreparedStatement {
    typealias Row = PostgresRow

    /// $1 sweep, $2 seqs of the measured claims, $3 worker, $4 their weight conditions, $5 their journal
    /// entries (JSON text), $6 their parameters' hashes, $7 their rungs, $8 the lease in seconds, $9 how
    /// many candidates to claim. Rows: one per new claim (or one with NULLs when none), each carrying the
    /// seqs that were recorded (those this worker still held).
    static let sql = """
        WITH measured AS (
            SELECT m.seq, m.condition, m.entry::jsonb AS j, m.params_hash, m.rung
            FROM unnest($2::int8[], $4::text[], $5::text[], $6::text[], $7::int8[]) AS m(seq, condition, entry, params_hash, rung)),
        done AS (
            UPDATE ktune.sweep_candidates c SET state = 'done', measured_by = $3, result = m.j, lease_until = NULL
            FROM measured m
            WHERE c.sweep_id = $1 AND c.seq = m.seq AND c.state = 'claimed' AND c.claimed_by = $3
              AND (c.condition IS NULL OR c.condition = m.condition)
            RETURNING c.sweep_id, c.family, c.shape, c.seq, m.j, m.params_hash, m.rung),
        stored AS (
            INSERT INTO ktune.measurements (run_id, fingerprint, family, shape, params_hash, rung, line_no, entry_hash, entry)
            SELECT d.sweep_id, s.fingerprint, d.family, d.shape, d.params_hash, d.rung, d.seq + 2, md5(d.j::text), d.j
            FROM done d JOIN ktune.sweeps s ON s.sweep_id = d.sweep_id
            ON CONFLICT (run_id, entry_hash) DO NOTHING),
        next AS (
            UPDATE ktune.sweep_candidates c
            SET state = 'claimed', claimed_by = $3, lease_until = now() + make_interval(secs => $8),
                attempts = c.attempts + 1
            WHERE c.sweep_id = $1 AND c.seq = ANY(ARRAY(
                SELECT seq FROM ktune.sweep_candidates
                WHERE sweep_id = $1 AND (state = 'queued' OR (state = 'claimed' AND lease_until < now()))
                ORDER BY seq
                FOR UPDATE SKIP LOCKED
                LIMIT $9))
            RETURNING c.seq::int8 AS seq, c.target_index::int8 AS target_index, c.proposal::text AS proposal,
                      c.attempts::int8 AS attempts, c.condition AS condition)
        SELECT (SELECT coalesce(array_agg(seq), '{}') FROM done)::int8[], n.seq, n.target_index, n.proposal, n.attempts, n.condition
        FROM (SELECT 1) AS one LEFT JOIN next n ON true
        ORDER BY n.seq
        """

    static var bindingDataTypes: [PostgresDataType] {
        [.text, .int8Array, .text, .textArray, .textArray, .textArray, .int8Array, .float8, .int8]
    }

    var sweepID: String
    var seqs: [Int64]
    var worker: String
    var conditions: [String]
    var entries: [String]
    var paramsHashes: [String]
    var rungs: [Int64]
    var lease: Double
    var claimCount: Int64

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 9)
        bindings.append(sweepID)
        bindings.append(seqs)
        bindings.append(worker)
        bindings.append(conditions)
        bindings.append(entries)
        bindings.append(paramsHashes)
        bindings.append(rungs)
        bindings.append(lease)
        bindings.append(claimCount)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}
