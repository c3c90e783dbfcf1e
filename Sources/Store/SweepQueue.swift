import Configs
import Foundation
import Kernels
import PostgresNIO
import Tuner

/// The split-sweep queue on the store: a sweep row (machine, search-space hash, plan, state) and one
/// candidate row per planned measurement. Workers claim candidates with `FOR UPDATE SKIP LOCKED` (two
/// workers never get the same row), hold them under a lease, and mark them done with the measurement; a
/// claim whose lease ran out (its worker died) is claimable again. The first worker to see every candidate
/// done takes the finalize lease and writes the winners.
public struct SweepQueue {
    public let store: ResultsStore
    public let sweepID: String
    var connection: StoreConnection { store.connection }

    /// A claimed candidate.
    public struct Claim: Sendable, Equatable {
        public var seq: Int
        public var targetIndex: Int
        public var proposal: Proposal
        /// How many times it has been claimed, this claim included (2+ after a dead worker's lease ran out).
        public var attempts: Int
        /// The weight condition it was queued for ("hot", "cold"; nil on a row queued before schema 3).
        public var condition: String?
    }

    /// Where the sweep stands.
    public struct Progress: Sendable, Equatable {
        public var total: Int
        public var done: Int
        public var claimed: Int
        /// Seconds until the earliest live lease expires (nil: none held).
        public var nextLeaseExpiry: Double?
        public var state: String
    }

    /// The sweep's identity as planned by one worker: checked against what is stored.
    public struct Plan: Sendable {
        public var fingerprint: String
        public var spaceHash: String
        public var toolVersion: String
        /// What the sweep measures (targets, strategy, options, caps), for the record.
        public var description: String
        public var candidates: [(targetIndex: Int, family: String, shape: String, proposal: Proposal)]
        /// Every target of the sweep (index, family, shape), including ones without candidates, and the
        /// weight condition ("hot", "cold") its candidates are timed in.
        public var targets: [(index: Int, family: String, shape: String, condition: String)]
    }

    /// Creates the sweep with all its candidates if it does not exist, else checks that it belongs to this
    /// machine and search space (`.foreignSweep` naming the field otherwise). Returns true when created.
    @discardableResult
    public func join(_ plan: Plan, summary: TunedConfig.MachineSummary) throws(StoreError) -> Bool {
        try store.recordMachine(fingerprint: plan.fingerprint, summary: summary)
        return try connection.transaction("joining sweep \(sweepID)") { () throws(StoreError) -> Bool in
            let created = try connection.query("""
                INSERT INTO ktune.sweeps (sweep_id, fingerprint, space_hash, tool_version, plan)
                VALUES (\(sweepID), \(plan.fingerprint), \(plan.spaceHash), \(plan.toolVersion), \(plan.description)::jsonb)
                ON CONFLICT (sweep_id) DO NOTHING RETURNING 1
                """, "creating sweep \(sweepID)")
            if created.isEmpty {
                let rows = try connection.query("""
                    SELECT fingerprint, space_hash, tool_version FROM ktune.sweeps WHERE sweep_id = \(sweepID)
                    """, "reading sweep \(sweepID)")
                guard let r = rows.first else { throw .notFound(store: store.name, what: "sweep '\(sweepID)' vanished while joining") }
                let (fp, space, tool) = try connection.decoding("ktune.sweeps") { try r.decode((String, String, String).self) }
                if fp != plan.fingerprint {
                    let cpu = try machineCPU(fp)
                    throw .foreignSweep(sweep: sweepID, field: "machine fingerprint", found: "\(fp)\(cpu.map { " (\($0))" } ?? "")",
                                        expected: plan.fingerprint)
                }
                if tool != plan.toolVersion {
                    throw .foreignSweep(sweep: sweepID, field: "ktune version", found: tool, expected: plan.toolVersion)
                }
                if space != plan.spaceHash {
                    throw .foreignSweep(sweep: sweepID, field: "search-space hash", found: space, expected: plan.spaceHash)
                }
                // A cold and a hot measurement of one target never mix in one sweep.
                let stored = try connection.query("""
                    SELECT target_index::int8, family, shape, condition FROM ktune.sweep_targets WHERE sweep_id = \(sweepID)
                    """, "reading the targets of sweep \(sweepID)")
                let conditions = try connection.decoding("ktune.sweep_targets") {
                    try stored.map { try $0.decode((Int64, String, String, String?).self) }
                }
                for (i, family, shape, condition) in conditions {
                    guard let mine = plan.targets.first(where: { $0.index == Int(i) }) else { continue }
                    if condition != mine.condition {
                        throw .foreignSweep(sweep: sweepID, field: "weight condition of target \(i) (\(family) \(shape))",
                                            found: condition ?? "unrecorded", expected: mine.condition)
                    }
                }
                return false
            }
            try connection.query("""
                INSERT INTO ktune.runs (run_id, fingerprint, header, source)
                VALUES (\(sweepID), \(plan.fingerprint), \(plan.description)::jsonb, 'sweep')
                ON CONFLICT (run_id) DO NOTHING
                """, "recording the run of sweep \(sweepID)")
            let c = plan.candidates
            let encoder = JSONEncoder.sorted
            let proposals = c.map { String(decoding: (try? encoder.encode(StoredProposal($0.proposal))) ?? Data("{}".utf8), as: UTF8.self) }
            let conditionOf = Dictionary(plan.targets.map { ($0.index, $0.condition) }, uniquingKeysWith: { a, _ in a })
            try connection.query("""
                INSERT INTO ktune.sweep_candidates (sweep_id, seq, target_index, family, shape, params_hash, proposal, condition)
                SELECT \(sweepID), seq, target_index, family, shape, params_hash, proposal::jsonb, condition
                FROM unnest(\(Array(0..<c.count))::int8[], \(c.map(\.targetIndex))::int8[], \(c.map(\.family))::text[],
                            \(c.map(\.shape))::text[], \(c.map { ResultsStore.hash("\($0.proposal.params)@\($0.proposal.rung)") })::text[],
                            \(proposals)::text[], \(c.map { conditionOf[$0.targetIndex] ?? "hot" })::text[])
                     AS t(seq, target_index, family, shape, params_hash, proposal, condition)
                """, "queueing the candidates of sweep \(sweepID)")
            let t = plan.targets
            try connection.query("""
                INSERT INTO ktune.sweep_targets (sweep_id, target_index, family, shape, condition)
                SELECT \(sweepID), target_index, family, shape, condition
                FROM unnest(\(t.map(\.index))::int8[], \(t.map(\.family))::text[], \(t.map(\.shape))::text[],
                            \(t.map(\.condition))::text[]) AS t(target_index, family, shape, condition)
                """, "recording the targets of sweep \(sweepID)")
            return true
        }
    }

    private func machineCPU(_ fingerprint: String) throws(StoreError) -> String? {
        let rows = try connection.query("SELECT description->>'cpu' FROM ktune.machines WHERE fingerprint = \(fingerprint)",
                                        "reading machine \(fingerprint)")
        return try connection.decoding("ktune.machines") { try rows.first?.decode(String?.self) ?? nil }
    }

    /// A claim from its row's columns; the proposal must decode as {params, rung}.
    private func decodedClaim(seq: Int64, target: Int64, proposal: String, attempts: Int64, condition: String?) throws(StoreError) -> Claim {
        guard let p = try? JSONDecoder().decode(StoredProposal.self, from: Data(proposal.utf8)) else {
            throw .badRow(store: store.name, table: "ktune.sweep_candidates", reason: "proposal of seq \(seq) is not {params, rung}: \(proposal)")
        }
        return Claim(seq: Int(seq), targetIndex: Int(target), proposal: p.proposal, attempts: Int(attempts), condition: condition)
    }

    /// Measurements sent to the store by `startRecording`, whose answer (which were recorded, and the next
    /// claims) is read with `finish(_:)`.
    public struct Recording {
        public let measured: [(claim: Claim, entry: JournalEntry)]
        fileprivate let pending: StoreConnection.Pending
    }

    /// Sends the measurements of `measured` — marks each candidate done only if this worker still holds it,
    /// and stores its journal entry with the sweep's run — together with a claim of up to `claiming` more
    /// candidates nobody holds (queued, or claimed under a lease that ran out), lowest first, in one statement, and returns without waiting for the
    /// answer: the worker measures the candidates it claimed before while the store works (`finish` reads
    /// the answer). A candidate just measured is never among those claimed: it is still claimed by this
    /// worker under a live lease in the statement's snapshot.
    public func startRecording(_ measured: [(claim: Claim, entry: JournalEntry)], claiming: Int, worker: String,
                               lease: Double) throws(StoreError) -> Recording {
        var entries: [String] = []
        for m in measured {
            guard let data = try? JSONEncoder.sorted.encode(m.entry) else {
                throw .file(path: "journal entry", reason: "cannot encode the measurement of candidate \(m.claim.seq) as JSON")
            }
            entries.append(String(decoding: data, as: UTF8.self))
        }
        let statement = RecordAndClaimStatement(
            sweepID: sweepID, seqs: measured.map { Int64($0.claim.seq) }, worker: worker,
            conditions: measured.map { $0.entry.condition ?? "hot" }, entries: entries,
            paramsHashes: measured.map { ResultsStore.hash($0.entry.result.params.description) },
            rungs: measured.map { Int64($0.entry.result.rung) }, lease: lease, claimCount: Int64(max(0, claiming)))
        let what = measured.isEmpty ? "claiming candidates of sweep \(sweepID)"
            : "recording \(measured.count) candidate(s) of sweep \(sweepID) (from seq \(measured[0].claim.seq)) and claiming the next"
        return Recording(measured: measured, pending: connection.start(statement, what))
    }

    /// Waits for the answer to `startRecording`: the seqs recorded (a measured claim missing from them had
    /// been taken over by another worker) and the new claims, in queue order (empty when nothing is
    /// claimable now).
    public func finish(_ recording: Recording) throws(StoreError) -> (recorded: Set<Int>, next: [Claim]) {
        let rows = try recording.pending.wait()
        guard !rows.isEmpty else {
            throw .badRow(store: store.name, table: "ktune.sweep_candidates", reason: "no row from \(recording.pending.action)")
        }
        var recorded: Set<Int>?   // every row carries the same list
        var next: [Claim] = []
        for r in rows {
            let (marked, seq, target, proposal, attempts, condition) = try connection.decoding("ktune.sweep_candidates") {
                try r.decode(([Int64], Int64?, Int64?, String?, Int64?, String?).self)
            }
            if recorded == nil { recorded = Set(marked.map { Int($0) }) }
            guard let seq, let target, let proposal, let attempts else { continue }
            next.append(try decodedClaim(seq: seq, target: target, proposal: proposal, attempts: attempts, condition: condition))
        }
        return (recorded ?? [], next)
    }

    public func progress() throws(StoreError) -> Progress {
        let rows = try connection.query("""
            SELECT count(*), count(*) FILTER (WHERE c.state = 'done'), count(*) FILTER (WHERE c.state = 'claimed'),
                   extract(epoch FROM min(c.lease_until) FILTER (WHERE c.state = 'claimed') - now())::float8,
                   (SELECT state FROM ktune.sweeps WHERE sweep_id = \(sweepID))
            FROM ktune.sweep_candidates c WHERE c.sweep_id = \(sweepID)
            """, "reading the progress of sweep \(sweepID)")
        guard let r = rows.first else { throw .notFound(store: store.name, what: "no sweep '\(sweepID)'") }
        let (total, done, claimed, expiry, state) = try connection.decoding("ktune.sweep_candidates") {
            try r.decode((Int64, Int64, Int64, Double?, String?).self)
        }
        return Progress(total: Int(total), done: Int(done), claimed: Int(claimed), nextLeaseExpiry: expiry, state: state ?? "missing")
    }

    /// Claims a target whose candidates are all measured and whose winner nobody is picking (or whose
    /// picker's lease ran out): this worker then runs its head-to-head. nil when there is none right now.
    public func claimTarget(worker: String, lease: Double) throws(StoreError) -> (index: Int, attempts: Int)? {
        let rows = try connection.query("""
            UPDATE ktune.sweep_targets t
            SET state = 'claimed', claimed_by = \(worker), lease_until = now() + make_interval(secs => \(lease)),
                attempts = t.attempts + 1
            WHERE t.sweep_id = \(sweepID) AND t.target_index = (
                SELECT x.target_index FROM ktune.sweep_targets x
                WHERE x.sweep_id = \(sweepID) AND (x.state = 'measuring' OR (x.state = 'claimed' AND x.lease_until < now()))
                  AND NOT EXISTS (SELECT 1 FROM ktune.sweep_candidates c
                                  WHERE c.sweep_id = x.sweep_id AND c.target_index = x.target_index AND c.state <> 'done')
                ORDER BY x.target_index
                FOR UPDATE SKIP LOCKED
                LIMIT 1)
            RETURNING t.target_index::int8, t.attempts::int8
            """, "claiming a target of sweep \(sweepID)")
        guard let r = rows.first else { return nil }
        let (i, a) = try connection.decoding("ktune.sweep_targets") { try r.decode((Int64, Int64).self) }
        return (Int(i), Int(a))
    }

    /// Every measurement of target `index`, in plan order.
    public func results(target index: Int) throws(StoreError) -> [JournalEntry] {
        let rows = try connection.query("""
            SELECT result::text FROM ktune.sweep_candidates
            WHERE sweep_id = \(sweepID) AND target_index = \(index) AND state = 'done' ORDER BY seq
            """, "reading the measurements of sweep \(sweepID)")
        let decoder = JSONDecoder.journal
        return try rows.map { (r: PostgresRow) throws(StoreError) -> JournalEntry in
            let text = try connection.decoding("ktune.sweep_candidates") { try r.decode(String.self) }
            do {
                return try decoder.decode(JournalEntry.self, from: Data(text.utf8))
            } catch {
                throw .badRow(store: store.name, table: "ktune.sweep_candidates", reason: TunedConfigFile.describe(error))
            }
        }
    }

    /// Records target `index`'s outcome (only while this worker holds its claim). False: taken over.
    @discardableResult
    public func completeTarget(_ index: Int, worker: String, result: ShapeResult) throws(StoreError) -> Bool {
        guard let data = try? JSONEncoder.sorted.encode(result) else { throw .file(path: "shape result", reason: "cannot encode as JSON") }
        let rows = try connection.query("""
            UPDATE ktune.sweep_targets SET state = 'done', result = \(String(decoding: data, as: UTF8.self))::jsonb, lease_until = NULL
            WHERE sweep_id = \(sweepID) AND target_index = \(index) AND state = 'claimed' AND claimed_by = \(worker)
            RETURNING 1
            """, "recording the winner of target \(index) of sweep \(sweepID)")
        return !rows.isEmpty
    }

    /// Targets not done yet.
    public func targetsLeft() throws(StoreError) -> Int {
        let rows = try connection.query("""
            SELECT count(*) FROM ktune.sweep_targets WHERE sweep_id = \(sweepID) AND state <> 'done'
            """, "reading the targets of sweep \(sweepID)")
        return try connection.decoding("ktune.sweep_targets") { Int(try rows.first?.decode(Int64.self) ?? 0) }
    }

    /// Every target's outcome, in plan order (once all are done).
    public func targetResults() throws(StoreError) -> [ShapeResult] {
        let rows = try connection.query("""
            SELECT result::text FROM ktune.sweep_targets WHERE sweep_id = \(sweepID) AND state = 'done' ORDER BY target_index
            """, "reading the results of sweep \(sweepID)")
        return try rows.map { (r: PostgresRow) throws(StoreError) -> ShapeResult in
            let text = try connection.decoding("ktune.sweep_targets") { try r.decode(String.self) }
            do {
                return try JSONDecoder.journal.decode(ShapeResult.self, from: Data(text.utf8))
            } catch {
                throw .badRow(store: store.name, table: "ktune.sweep_targets", reason: TunedConfigFile.describe(error))
            }
        }
    }

    /// Takes the lease for writing the sweep's config, once every target is done. True: this worker writes it.
    public func takeFinalize(worker: String, lease: Double) throws(StoreError) -> Bool {
        let rows = try connection.query("""
            UPDATE ktune.sweeps SET state = 'finalizing', finalizer = \(worker), finalize_lease = now() + make_interval(secs => \(lease))
            WHERE sweep_id = \(sweepID)
              AND (state = 'measuring' OR (state = 'finalizing' AND (finalize_lease < now() OR finalizer = \(worker))))
              AND NOT EXISTS (SELECT 1 FROM ktune.sweep_targets WHERE sweep_id = \(sweepID) AND state <> 'done')
            RETURNING 1
            """, "taking the finalize lease of sweep \(sweepID)")
        return !rows.isEmpty
    }

    /// Marks the sweep done with its results and the config version they produced.
    public func markDone(worker: String, results: [ShapeResult], configVersion: Int?) throws(StoreError) {
        guard let data = try? JSONEncoder.sorted.encode(results) else { throw .file(path: "sweep results", reason: "cannot encode as JSON") }
        try connection.query("""
            UPDATE ktune.sweeps SET state = 'done', results = \(String(decoding: data, as: UTF8.self))::jsonb,
                   config_version = \(configVersion), finished_at = now()
            WHERE sweep_id = \(sweepID) AND finalizer = \(worker)
            """, "finishing sweep \(sweepID)")
    }

    /// The finished sweep's results and config version, once it is done (nil before).
    public func finished() throws(StoreError) -> (results: [ShapeResult], configVersion: Int?, finalizer: String)? {
        let rows = try connection.query("""
            SELECT results::text, config_version::int8, coalesce(finalizer, '') FROM ktune.sweeps
            WHERE sweep_id = \(sweepID) AND state = 'done'
            """, "reading sweep \(sweepID)")
        guard let r = rows.first else { return nil }
        let (text, version, finalizer) = try connection.decoding("ktune.sweeps") { try r.decode((String?, Int64?, String).self) }
        let results = (try? JSONDecoder.journal.decode([ShapeResult].self, from: Data((text ?? "[]").utf8))) ?? []
        return (results, version.map(Int.init), finalizer)
    }
}

/// A proposal as the queue stores it: `{"params": {...}, "rung": n}`.
struct StoredProposal: Codable {
    var params: ParameterSet
    var rung: Int
    init(_ p: Proposal) { params = p.params; rung = p.rung }
    var proposal: Proposal { Proposal(params, rung: rung) }
}
