import Configs
import Foundation
import Tuner

/// One worker of a split sweep (`ktune tune --store … --worker`): joins the sweep (creating it and its
/// queue if it is the first), claims and measures candidates until none is left, waits for the others'
/// claims (taking over any whose lease ran out), and then either picks the winners itself (the first to
/// get the finalize lease) or reads them from the store.
public struct SweepWorker {
    public struct Options: Sendable {
        /// The sweep's id in the store; every worker of one sweep must use the same.
        public var sweepID: String
        /// Identifies this worker in claims (`host:pid`).
        public var workerID: String
        /// Seconds a claim is held before another worker may take it over. A worker holds two batches of
        /// claims at a time (the one it measures and the next), so this must outlast measuring both.
        public var lease: Double
        /// About how long measuring one batch of claims should take (candidates per batch = this / the
        /// last candidate's time, 1 to 16): the store's round trip is paid once per batch.
        public var batchSeconds: Double
        /// Seconds between looks at the queue while other workers hold the last claims.
        public var poll: Double
        /// The sweep's plan as JSON (targets, strategy, caps), stored with it.
        public var description: String

        public init(sweepID: String, workerID: String, lease: Double, poll: Double = 0.25, batchSeconds: Double = 0.05,
                    description: String) {
            self.sweepID = sweepID; self.workerID = workerID; self.lease = lease; self.poll = poll
            self.batchSeconds = batchSeconds; self.description = description
        }
    }

    public struct Outcome: Sendable {
        public var sweepID: String
        /// True when this worker created the sweep.
        public var created: Bool
        public var results: [ShapeResult]
        /// The store's config for this machine after the sweep (merged with the versions before it).
        public var config: TunedConfig?
        public var configVersion: Int?
        /// True when this worker picked the winners; false when another did.
        public var finalizedHere: Bool
        public var finalizer: String
        /// Candidates measured and recorded by this worker.
        public var measuredHere: Int
        /// Of which claims taken over from a worker whose lease ran out.
        public var takenOver: Int
    }

    public let store: ResultsStore
    public let sweep: SplitSweep
    public let machine: MachineContext
    public let options: Options

    public init(store: ResultsStore, sweep: SplitSweep, machine: MachineContext, options: Options) {
        self.store = store; self.sweep = sweep; self.machine = machine; self.options = options
    }

    /// Runs the worker to the end of the sweep. `note` gets one line per event worth telling the user;
    /// `measured` is called after each candidate this worker recorded, with its queue position and the total.
    public func run(note: (String) -> Void, measured: (JournalEntry, Int, Int) -> Void = { _, _, _ in }) throws -> Outcome {
        let queue = SweepQueue(store: store, sweepID: options.sweepID)
        var candidates: [(targetIndex: Int, family: String, shape: String, proposal: Proposal)] = []
        for t in sweep.plan { for p in t.proposals { candidates.append((t.index, t.target.kernel.rawValue, t.target.shape, p)) } }
        let plan = SweepQueue.Plan(fingerprint: machine.fingerprint, spaceHash: sweep.header.spaceHash,
                                   toolVersion: sweep.header.toolVersion, description: options.description, candidates: candidates,
                                   targets: sweep.plan.map { ($0.index, $0.target.kernel.rawValue, $0.target.shape, $0.condition.rawValue) })
        let created = try queue.join(plan, summary: machine.summary)
        note(created ? "sweep \(options.sweepID): created with \(candidates.count) candidates over \(sweep.plan.count) shapes; worker \(options.workerID)"
                     : "sweep \(options.sweepID): joined as worker \(options.workerID)")
        var measuredHere = 0, takenOver = 0, pickedHere = 0
        let total = candidates.count
        // Measure while there are candidates to claim. Candidates are claimed and recorded in batches, and
        // the statement that records one batch and claims the next runs while this worker measures the
        // batch it claimed before (it holds two batches: the one it measures and the next), so the store's
        // round trip overlaps measurements instead of adding to them. A batch is sized to take about
        // `batchSeconds` to measure (one candidate when candidates are slow, so a dying worker loses little),
        // and never more than a sixteenth of the sweep, so idle workers always find candidates to claim.
        // Then pick the winners of shapes whose candidates are all measured, one shape at a time, whichever
        // worker is free (head to head); otherwise wait out the other workers' claims.
        var ready: [SweepQueue.Claim] = []
        var measuredBatch: [(claim: SweepQueue.Claim, entry: JournalEntry)] = []
        var inFlight: SweepQueue.Recording? = nil
        var waitSeconds = 0.0, exchanges = 0
        let largestBatch = max(1, min(16, total / 16))
        var batch = 1
        func settle() throws {
            guard let recording = inFlight else { return }
            inFlight = nil
            let c0 = Date()
            let (recorded, next) = try queue.finish(recording)
            waitSeconds += Date().timeIntervalSince(c0)
            exchanges += 1
            ready.append(contentsOf: next)
            for (claim, entry) in recording.measured {
                if recorded.contains(claim.seq) {
                    measuredHere += 1
                    if claim.attempts > 1 { takenOver += 1 }
                    measured(entry, claim.seq, total)
                } else {
                    note("sweep \(options.sweepID): candidate \(claim.seq) was taken over by another worker while measured here; its measurement counts")
                }
            }
        }
        func exchange() throws {
            inFlight = try queue.startRecording(measuredBatch, claiming: batch, worker: options.workerID, lease: options.lease)
            measuredBatch = []
        }
        while true {
            if ready.isEmpty {
                try settle()                       // the batch claimed while measuring the last one
                if ready.isEmpty {                 // none came: record what is measured and claim now
                    try exchange()
                    try settle()
                }
                if !ready.isEmpty && inFlight == nil { try exchange() }   // claim the next batch meanwhile
            }
            if let claim = ready.first {
                ready.removeFirst()
                guard claim.targetIndex >= 0, claim.targetIndex < sweep.plan.count else {
                    throw StoreError.badRow(store: store.location.description, table: "ktune.sweep_candidates",
                                            reason: "candidate \(claim.seq) names target \(claim.targetIndex), the plan has \(sweep.plan.count)")
                }
                let mine = sweep.plan[claim.targetIndex].condition.rawValue
                if let queued = claim.condition, queued != mine {
                    throw StoreError.foreignSweep(sweep: options.sweepID, field: "weight condition of candidate \(claim.seq)",
                                                  found: queued, expected: mine)
                }
                if claim.attempts > 1 {
                    note("sweep \(options.sweepID): taking over candidate \(claim.seq) (\(claim.proposal)) after its lease ran out")
                }
                let m0 = Date()
                let entry = try sweep.measure(target: claim.targetIndex, proposal: claim.proposal)
                let seconds = Date().timeIntervalSince(m0)
                batch = max(1, min(largestBatch, Int(options.batchSeconds / max(seconds, 1e-4))))
                measuredBatch.append((claim, entry))
                continue
            }
            if let t = try queue.claimTarget(worker: options.workerID, lease: options.lease) {
                guard t.index >= 0, t.index < sweep.plan.count else {
                    throw StoreError.badRow(store: store.location.description, table: "ktune.sweep_targets",
                                            reason: "target \(t.index) is not in this worker's plan of \(sweep.plan.count)")
                }
                if t.attempts > 1 { note("sweep \(options.sweepID): taking over the winner of shape \(t.index) after its lease ran out") }
                let entries = try queue.results(target: t.index)
                let result = sweep.finish(target: t.index, results: entries.map(\.result))
                if try queue.completeTarget(t.index, worker: options.workerID, result: result) { pickedHere += 1 }
                continue
            }
            if try queue.targetsLeft() == 0 { break }
            Thread.sleep(forTimeInterval: options.poll)
        }
        note("sweep \(options.sweepID): this worker (\(options.workerID)) measured \(measuredHere) candidates\(takenOver > 0 ? " (\(takenOver) taken over from a worker whose lease ran out)" : ""), picked the winners of \(pickedHere) of \(sweep.plan.count) shapes; \(String(format: "%.3f", waitSeconds)) s waiting for the store's answers to \(exchanges) record-and-claim batches (they overlap measurements)")
        // Every shape has its winner: one worker stores the config, the others read it.
        while true {
            if let done = try queue.finished() {
                let config = try done.configVersion.flatMap { v throws(StoreError) in
                    try store.latestConfig(fingerprint: machine.fingerprint, version: v)
                }.flatMap { try? ResultsStore.decodeConfig(Data($0.json.utf8), path: "store config") }
                return Outcome(sweepID: options.sweepID, created: created, results: done.results, config: config,
                               configVersion: done.configVersion, finalizedHere: false, finalizer: done.finalizer,
                               measuredHere: measuredHere, takenOver: takenOver)
            }
            if try queue.takeFinalize(worker: options.workerID, lease: options.lease) {
                return try finalize(queue, created: created, measuredHere: measuredHere, takenOver: takenOver)
            }
            Thread.sleep(forTimeInterval: options.poll)
        }
    }

    private func finalize(_ queue: SweepQueue, created: Bool, measuredHere: Int, takenOver: Int) throws -> Outcome {
        let results = try queue.targetResults()
        // The sweep's entries replace the same shapes of the machine's newest config; other shapes stay.
        let base = try store.latestConfig(fingerprint: machine.fingerprint)
            .flatMap { try? ResultsStore.decodeConfig(Data($0.json.utf8), path: "store config") }
        let fresh = results.compactMap(\.entry)
        let keys = Set(fresh.map { "\($0.kernel)|\($0.shape)" })
        var entries = (base?.entries ?? []).filter { !keys.contains("\($0.kernel)|\($0.shape)") } + fresh
        entries.sort { ($0.kernel, $0.shape) < ($1.kernel, $1.shape) }
        var version: Int?
        var config: TunedConfig?
        if !entries.isEmpty {
            let c = TunedConfig(machine: machine.summary, createdAt: TuningSession.timestamp(), entries: entries)
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            guard let data = try? enc.encode(c) else { throw StoreError.file(path: "tuned config", reason: "cannot encode as JSON") }
            let pushed = try store.pushConfig(data, path: "sweep \(options.sweepID)", runID: options.sweepID, source: "sweep")
            version = pushed.version
            config = c
        }
        try queue.markDone(worker: options.workerID, results: results, configVersion: version)
        return Outcome(sweepID: options.sweepID, created: created, results: results, config: config, configVersion: version,
                       finalizedHere: true, finalizer: options.workerID, measuredHere: measuredHere, takenOver: takenOver)
    }
}
