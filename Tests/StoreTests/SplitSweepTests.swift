#if Store
import Configs
import Foundation
import PostgresNIO
import Store
import Testing
import Tuner

/// `ktune tune --store … --worker`: real ktune processes sharing one sweep through a real server.
@Suite(.enabled(if: TestServer.available, TestServer.skipReason), .serialized)
struct SplitSweepTests {
    struct Candidate: Hashable { var family: String; var shape: String; var params: String }

    /// Candidates a worker's local journal says it measured.
    func measured(_ journal: String) throws -> [Candidate] {
        let text = try String(contentsOfFile: journal, encoding: .utf8)
        return try text.split(separator: "\n").dropFirst().map {
            let e = try JSONDecoder.journalTest.decode(JournalEntry.self, from: Data($0.utf8))
            return Candidate(family: e.kernel, shape: e.shape, params: e.result.params.description)
        }
    }

    /// (seq, state, attempts, claimed_by, measured_by) of every candidate of the store's only sweep.
    func queue(_ c: StoreConnection) throws -> [(seq: Int, state: String, attempts: Int, claimedBy: String?, measuredBy: String?)] {
        let rows = try c.query("""
            SELECT seq::int8, state, attempts::int8, claimed_by, measured_by FROM ktune.sweep_candidates ORDER BY seq
            """, "reading the queue")
        return try rows.map {
            let (s, st, a, cb, mb) = try $0.decode((Int64, String, Int64, String?, String?).self)
            return (Int(s), st, Int(a), cb, mb)
        }
    }

    func measurementCount(_ c: StoreConnection) throws -> Int {
        let rows = try c.query("SELECT count(*) FROM ktune.measurements", "counting")
        return Int(try rows.first?.decode(Int64.self) ?? -1)
    }

    func workerID(_ pid: Int32) -> String { "\(ProcessInfo.processInfo.hostName):\(pid)" }

    @Test func twoWorkersSplitOneSweepWithNoCandidateMeasuredTwiceAndNoneLost() throws {
        let l = try TestServer.freshDatabase()
        let url = TestServer.urlString(l)
        let home = try KTuneBinary.home()
        let args = { (n: String) in KTuneBinary.sweepArguments(out: home + "/\(n).json", journal: home + "/\(n).jsonl", maxEvals: 40)
            + ["--store", url, "--worker"] }
        let c = try StoreConnection(l)
        defer { c.close() }
        // 80 candidates, so workers claim and record them in batches of up to five (a sixteenth of the sweep).
        // Tiny candidates: one worker alone can finish all of them before a second process has started.
        // So that the split is exercised whatever the machine's load, `a` is stopped (SIGSTOP) while it
        // holds a claim, until `b` has joined and measured one; the lease (120 s) outlives the pause.
        let a = try KTuneBinary.start(args("a"), home: home, tag: "a")
        let idA = workerID(a.pid)
        var stopped = false
        var deadline = Date().addingTimeInterval(120)
        while Date() < deadline && a.process.isRunning {
            let q = (try? queue(c)) ?? []
            if q.contains(where: { $0.state == "done" && $0.measuredBy == idA })
                && q.contains(where: { $0.state == "claimed" && $0.claimedBy == idA }) {
                kill(a.pid, SIGSTOP)
                stopped = true
                break
            }
            Thread.sleep(forTimeInterval: 0.005)
        }
        try #require(stopped, "worker a finished before it could be paused mid-sweep: \(a.errors)")
        let b = try KTuneBinary.start(args("b"), home: home, tag: "b")
        let idB = workerID(b.pid)
        deadline = Date().addingTimeInterval(120)
        while Date() < deadline && b.process.isRunning {
            if ((try? queue(c)) ?? []).contains(where: { $0.state == "done" && $0.measuredBy == idB }) { break }
            Thread.sleep(forTimeInterval: 0.005)
        }
        kill(a.pid, SIGCONT)
        let ra = a.wait(), rb = b.wait()
        #expect(ra.status == 0, "\(ra.err)")
        #expect(rb.status == 0, "\(rb.err)")

        let q = try queue(c)
        #expect(q.count == 80)  // 2 shapes × --max-evals 40
        #expect(q.allSatisfy { $0.state == "done" && $0.attempts == 1 })
        #expect(try measurementCount(c) == q.count)
        let byA = try measured(home + "/a.jsonl"), byB = try measured(home + "/b.jsonl")
        #expect(Set(byA).isDisjoint(with: Set(byB)), "a candidate was measured by both workers")
        #expect(byA.count + byB.count == q.count, "measured \(byA.count) + \(byB.count) of \(q.count)")
        #expect(Set(byA + byB).count == q.count)
        #expect(!byA.isEmpty && !byB.isEmpty, "one worker measured everything: \(byA.count) / \(byB.count)")
        #expect(Set(q.compactMap(\.measuredBy)) == [workerID(a.pid), workerID(b.pid)])
        // Exactly one picked the winners; both wrote the same config entries.
        #expect([ra.err, rb.err].filter { $0.contains("config stored here") }.count == 1)
        let ca = try JSONDecoder().decode(TunedConfig.self, from: Data(contentsOf: URL(fileURLWithPath: home + "/a.json")))
        let cb = try JSONDecoder().decode(TunedConfig.self, from: Data(contentsOf: URL(fileURLWithPath: home + "/b.json")))
        #expect(ca.entries == cb.entries)
        #expect(ca.entries.count == 2)
        let store = try ResultsStore.open(l)
        defer { store.close() }
        #expect(try store.latestConfig(fingerprint: ca.machine.fingerprint)?.version == 1)

        // A third worker with the same command finds the sweep finished and measures nothing.
        let late = try KTuneBinary.run(args("c"), home: home, tag: "c")
        #expect(late.status == 0, "\(late.err)")
        #expect(try measured(home + "/c.jsonl").isEmpty)
        #expect(late.err.contains("measured 0 candidates"), "\(late.err)")
    }

    @Test func aKilledWorkersClaimIsMeasuredAgainAfterItsLease() throws {
        let l = try TestServer.freshDatabase()
        let url = TestServer.urlString(l)
        let home = try KTuneBinary.home()
        let args = { (n: String) in KTuneBinary.sweepArguments(out: home + "/\(n).json", journal: home + "/\(n).jsonl", maxEvals: 12)
            + ["--store", url, "--worker", "--lease", "2"] }
        let c = try StoreConnection(l)
        defer { c.close() }
        let a = try KTuneBinary.start(args("a"), home: home, tag: "a")
        let idA = workerID(a.pid)
        // Kill it while it holds a claim, after it finished at least two candidates.
        let deadline = Date().addingTimeInterval(120)
        var killed = false
        while Date() < deadline && a.process.isRunning {
            let q = (try? queue(c)) ?? []
            if q.filter({ $0.state == "done" }).count >= 2 && q.contains(where: { $0.state == "claimed" && $0.claimedBy == idA }) {
                kill(a.pid, SIGKILL)
                killed = true
                break
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        _ = a.wait(seconds: 10)
        try #require(killed, "worker a finished before it could be killed mid-candidate: \(a.errors)")
        // A worker holds the claim it measures and the next one (claimed while it measured), so it leaves
        // one or two claims behind.
        let orphans = try queue(c).filter { $0.state == "claimed" && $0.claimedBy == idA }
        try #require((1...2).contains(orphans.count), "expected one or two claims left by the killed worker, found \(orphans.count)")
        let orphanSeqs = Set(orphans.map(\.seq))
        let doneByA = try queue(c).filter { $0.state == "done" }.count

        let b = try KTuneBinary.start(args("b"), home: home, tag: "b")
        let rb = b.wait()
        #expect(rb.status == 0, "\(rb.err)")
        for orphan in orphans { #expect(rb.err.contains("taking over candidate \(orphan.seq)"), "\(rb.err)") }
        let q = try queue(c)
        #expect(q.count == 24)
        #expect(q.allSatisfy { $0.state == "done" })
        for again in q where orphanSeqs.contains(again.seq) {
            #expect(again.attempts == 2)
            #expect(again.measuredBy == workerID(b.pid))
        }
        #expect(q.filter { !orphanSeqs.contains($0.seq) }.allSatisfy { $0.attempts == 1 })
        #expect(try measurementCount(c) == 24)
        #expect(try measured(home + "/b.jsonl").count == 24 - doneByA)
        #expect(rb.err.contains("config stored here"))
        #expect(rb.err.contains("picked the winners of 2 of 2 shapes"))
    }

    @Test func aWorkerWithAnotherFingerprintIsRefused() throws {
        let l = try TestServer.freshDatabase()
        let url = TestServer.urlString(l)
        let home = try KTuneBinary.home()
        // The sweep "fleet-a" was planned on another machine kind.
        let store = try ResultsStore.open(l)
        defer { store.close() }
        try store.recordMachine(fingerprint: "0123456789abcdef",
                                summary: TunedConfig.MachineSummary(fingerprint: "0123456789abcdef", cpu: "Other CPU 9000", cores: 64,
                                                                    isa: ["avx512f"], caches: []))
        try store.connection.query("""
            INSERT INTO ktune.sweeps (sweep_id, fingerprint, space_hash, tool_version, plan)
            VALUES ('fleet-a', '0123456789abcdef', 'ffff', \(ToolVersion.current), '{}'::jsonb)
            """, "seeding a foreign sweep")
        let r = try KTuneBinary.run(KTuneBinary.sweepArguments(out: home + "/x.json", journal: home + "/x.jsonl")
                                    + ["--store", url, "--worker", "--sweep", "fleet-a"], home: home)
        #expect(r.status != 0)
        #expect(r.err.contains("sweep 'fleet-a' was planned with machine fingerprint 0123456789abcdef (Other CPU 9000)"), "\(r.err)")
        #expect(r.err.contains("refused"))
        #expect(!FileManager.default.fileExists(atPath: home + "/x.json"))
        let n = try store.connection.query("SELECT count(*) FROM ktune.measurements", "counting")
        #expect(try n.first?.decode(Int64.self) == 0)
    }
}
#endif
