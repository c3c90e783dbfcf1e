import Configs
import Foundation
import Report
import Tuner
import Measure
#if Store
import Store
#endif

/// What the commands need from the results store, in one place so that a build without the `Store` trait
/// (the default: PostgresNIO is not compiled) still parses `--store` and says clearly what is missing.
/// Every function here degrades to local work when the store cannot be used: it prints why and how to
/// upload later, and never loses what was measured.
enum StoreBridge {
    /// `--store URL` if given, else `$KTUNE_STORE`, else nil.
    static func url(flag: String?) -> String? {
        if let flag, !flag.isEmpty { return flag }
        let env = ProcessInfo.processInfo.environment["KTUNE_STORE"] ?? ""
        return env.isEmpty ? nil : env
    }

    static let missingTrait = "this ktune was built without the results store (the Store trait); rebuild with `swift build -c release --traits Store --product ktune`"

    /// Whether this build has the store.
    static var available: Bool {
        #if Store
        return true
        #else
        return false
        #endif
    }

    /// Checks `url` parses (a bad URL is the user's typo: an error, not a warning).
    static func validate(_ url: String) throws {
        #if Store
        _ = try StoreLocation(parsing: url)
        #endif
    }

    /// After a local sweep: uploads the journal and the config. Failures are warnings naming the command
    /// that uploads them later.
    static func pushAfterTune(url: String, journal: String, config: String, note: (String) -> Void) {
        #if Store
        let later = "results kept locally; upload them later with `ktune store push --journal \(journal) --config \(config)`"
        do {
            let store = try ResultsStore.open(try StoreLocation(parsing: url))
            defer { store.close() }
            if let data = FileManager.default.contents(atPath: journal) {
                let r = try store.pushJournal(data, path: journal)
                note("store \(store.location): journal run \(r.runID): \(r.added) measurements added, \(r.alreadyStored) already stored")
            }
            if let data = FileManager.default.contents(atPath: config) {
                let c = try store.pushConfig(data, path: config)
                note("store \(store.location): tuned config version \(c.version) for machine \(c.fingerprint)\(c.added ? "" : " (already stored)")")
            }
        } catch {
            note("warning: \(error); \(later)")
        }
        #else
        note("warning: \(missingTrait); \(journal) and \(config) are kept locally")
        #endif
    }

    /// Warns at the start of a sweep when the store cannot be used, so the user knows before the minutes
    /// of tuning that the results stay local.
    static func checkReachable(url: String, note: (String) -> Void) {
        #if Store
        do {
            let store = try ResultsStore.open(try StoreLocation(parsing: url))
            store.close()
        } catch {
            note("warning: \(error); tuning goes on locally")
        }
        #else
        note("warning: \(missingTrait); tuning goes on locally")
        #endif
    }

    /// For `generate`: the store's newest config for exactly this machine, saved under
    /// `$KTUNE_HOME/store/` and returned as a path with a line saying where it came from. nil (with a note)
    /// when the store has none for this fingerprint or cannot be reached.
    static func pickUpConfig(url: String, fingerprint: String, note: (String) -> Void) -> String? {
        #if Store
        do {
            let store = try ResultsStore.open(try StoreLocation(parsing: url))
            defer { store.close() }
            guard let c = try store.latestConfig(fingerprint: fingerprint) else {
                let others = try store.configCount(excluding: fingerprint)
                note("store \(store.location): no tuned config for this machine (\(fingerprint))\(others > 0 ? "; configs of \(others) other machine\(others == 1 ? "" : "s") are not used" : "")")
                return nil
            }
            let dir = (TunedConfigLocation.home as NSString).appendingPathComponent("store")
            let path = (dir as NSString).appendingPathComponent("\(fingerprint).v\(c.version).json")
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try Data(c.json.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            note("store \(store.location): using tuned config version \(c.version) for this machine (\(fingerprint)), stored \(c.createdAt) by \(c.source); saved as \(path)")
            return path
        } catch {
            note("warning: \(error); not using the store")
            return nil
        }
        #else
        note("warning: \(missingTrait); not using the store")
        return nil
        #endif
    }

    /// For `profile`: stores every row (llama-bench's fields, keyed by the machine and the config it ran
    /// with) in the store's profile table. Failures are warnings: the rows are already printed (and in
    /// --save's file).
    static func pushProfileRows(url: String, records: [ProfileRecord], savedTo: String?, note: (String) -> Void) {
        guard !records.isEmpty else { return }
        #if Store
        let rows = records.map { r in
            ProfileRow(fingerprint: r.ktune.machineFingerprint, configHash: r.ktune.config == "default" ? nil : r.ktune.configHash,
                       model: r.modelFilename, nPrompt: r.nPrompt, nGen: r.nGen, nThreads: r.nThreads,
                       avgTs: r.avgTs, stddevTs: r.stddevTs, samplesTs: r.samplesTs,
                       extra: ["config": r.ktune.config, "model_type": r.modelType, "build_commit": r.buildCommit,
                               "cpu_info": r.cpuInfo, "test_time": r.testTime, "test": r.testName,
                               "disturbed": r.ktune.disturbed ? "true" : "false"])
        }
        do {
            let store = try ResultsStore.open(try StoreLocation(parsing: url))
            defer { store.close() }
            let added = try store.insertProfileRows(rows)
            note("store \(store.location): \(added) profile row\(added == 1 ? "" : "s") added, \(rows.count - added) already stored")
        } catch {
            note("warning: \(error); the profile rows are not in the store\(savedTo.map { " (they are in \($0))" } ?? " (pass --save FILE to keep them as JSON lines)")")
        }
        #else
        note("warning: \(missingTrait); the profile rows are not stored")
        #endif
    }

    /// What a worker of a split sweep ended with.
    struct WorkerOutcome {
        var results: [ShapeResult]
        var lines: [String]
    }

    /// `tune --worker`: shares the sweep with the other workers of this machine kind. Returns nil (after a
    /// warning) when the store cannot be used, so the caller tunes locally instead.
    static func runWorker(url: String, session: TuningSession, machine: MachineContext, sweepID: String?,
                          planDescription: String, lease: Double, note: @escaping (String) -> Void,
                          progress: @escaping (String) -> Void) throws -> WorkerOutcome? {
        #if Store
        let t0 = MonotonicClock.nanoseconds()
        let opened: Result<ResultsStore, StoreError> = Result(catching: { () throws(StoreError) in try ResultsStore.open(try StoreLocation(parsing: url)) })
        let store: ResultsStore
        switch opened {
        case let .success(s): store = s
        case let .failure(e):
            guard e.isConnectionProblem else { throw e }
            note("warning: \(e); tuning this machine locally instead of sharing the sweep")
            return nil
        }
        defer { store.close() }
        let t1 = MonotonicClock.nanoseconds()
        let sweep = try SplitSweep(session: session)
        let t2 = MonotonicClock.nanoseconds()
        note(String(format: "store opened in %.3f s; sweep planned (targets prepared) in %.3f s", Double(t1 &- t0) * 1e-9, Double(t2 &- t1) * 1e-9))
        // The weight condition of each target is part of what is measured: a cold and a hot sweep of the
        // same shapes get different ids (and a named sweep refuses a worker whose conditions differ).
        let conditions = sweep.plan.map { $0.condition.rawValue }.joined(separator: ",")
        let id = sweepID ?? "sweep-" + fnv(planDescription + "|conditions=" + conditions)
        let worker = "\(ProcessInfo.processInfo.hostName):\(getpid())"
        let w = SweepWorker(store: store, sweep: sweep, machine: machine,
                            options: .init(sweepID: id, workerID: worker, lease: lease, description: planDescription))
        let outcome = try w.run(note: note) { entry, seq, total in
            progress("sweep \(id): candidate \(seq + 1) of \(total) measured (\(entry.kernel) \(entry.shape) \(entry.result.params): \(entry.result.outcome.rawValue)\(entry.result.gflops.map { String(format: " %.1f GFLOP/s", $0.median) } ?? ""))")
        }
        var lines = [outcome.finalizedHere ? "sweep \(outcome.sweepID): config stored here"
                                           : "sweep \(outcome.sweepID): config stored by \(outcome.finalizer)"]
        if let v = outcome.configVersion { lines.append("store \(store.location): tuned config version \(v) for machine \(machine.fingerprint)") }
        return WorkerOutcome(results: outcome.results, lines: lines)
        #else
        throw ValidationErrorText(missingTrait)
        #endif
    }

    static func fnv(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 { h ^= UInt64(b); h &*= 0x0000_0100_0000_01b3 }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// A plain error message (printed as "Error: …").
struct ValidationErrorText: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
