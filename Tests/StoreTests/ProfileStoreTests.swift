#if Store
import Configs
import Foundation
import PostgresNIO
import Store
import Testing
import Tuner

/// `ktune profile --store`: the store's config for this machine is profiled beside the default (and the
/// command says so), and every row lands in the profile table once.
@Suite(.enabled(if: TestServer.available, TestServer.skipReason), .serialized)
struct ProfileStoreTests {
    static let model = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path

    @Test func profilePicksUpThisMachinesStoreConfigAndStoresItsRows() throws {
        try #require(FileManager.default.fileExists(atPath: Self.model), "run scripts/setup.sh (fetches the default model)")
        let l = try TestServer.freshDatabase()
        let url = TestServer.urlString(l)
        let home = try KTuneBinary.home()
        // A config for this machine in the store (tuned here, uploaded), and no local default config.
        let tune = try KTuneBinary.run(KTuneBinary.sweepArguments(out: home + "/c.json", journal: home + "/c.jsonl", maxEvals: 2)
                                       + ["--store", url], home: home)
        #expect(tune.status == 0, "\(tune.err)")
        let profile = ["profile", "-m", Self.model, "-p", "8", "-n", "2", "-r", "1", "-t", "1", "--no-warmup", "--no-roofline",
                       "-o", "jsonl", "--store", url]
        let p = try KTuneBinary.run(profile, home: home, tag: "profile")
        #expect(p.status == 0, "\(p.err)")
        #expect(p.err.contains("using tuned config version 1 for this machine"), "\(p.err)")
        #expect(p.err.contains("4 profile rows added"), "\(p.err)")
        let lines = p.out.split(separator: "\n")
        #expect(lines.count == 4, "2 tests × 2 configs: \(p.out)")

        let store = try ResultsStore.open(l)
        defer { store.close() }
        let fingerprint = try JSONDecoder().decode(TunedConfig.self, from: Data(contentsOf: URL(fileURLWithPath: home + "/c.json")))
            .machine.fingerprint
        let rows = try store.profileRows(fingerprint: fingerprint)
        #expect(rows.count == 4)
        #expect(Set(rows.map { "\($0.nPrompt)/\($0.nGen)" }) == ["8/0", "0/2"])
        #expect(rows.filter { $0.configHash == nil }.count == 2, "the default plan's rows carry no config hash")
        #expect(rows.allSatisfy { $0.avgTs > 0 && $0.avgTs.isFinite && $0.nThreads == 1 })
        #expect(rows.allSatisfy { $0.extra["config"] != nil })
    }

    @Test func profileWithAStoreHoldingOnlyOtherMachinesConfigsUsesTheLocalPlan() throws {
        try #require(FileManager.default.fileExists(atPath: Self.model), "run scripts/setup.sh (fetches the default model)")
        let l = try TestServer.freshDatabase()
        let home = try KTuneBinary.home()
        let store = try ResultsStore.open(l)
        defer { store.close() }
        let foreign = TunedConfig(machine: TunedConfig.MachineSummary(fingerprint: "0123456789abcdef", cpu: "Another CPU", cores: 64,
                                                                      isa: [], caches: []),
                                  createdAt: "2026-12-01T00:00:00Z", entries: [])
        _ = try store.pushConfig(try JSONEncoder().encode(foreign), path: "foreign.json")
        let p = try KTuneBinary.run(["profile", "-m", Self.model, "-n", "2", "-r", "1", "-t", "1", "--no-warmup", "--no-roofline",
                                     "-o", "csv", "--store", TestServer.urlString(l)], home: home, tag: "profile")
        #expect(p.status == 0, "\(p.err)")
        #expect(p.err.contains("no tuned config for this machine"), "\(p.err)")
        #expect(p.err.contains("configs of 1 other machine are not used"), "\(p.err)")
        #expect(p.err.contains("1 profile row added"), "\(p.err)")
    }
}

/// The split-sweep queue records each target's weight condition, as the journal does, so that a cold
/// and a hot sweep of the same shapes never share measurements.
@Suite(.enabled(if: TestServer.available, TestServer.skipReason), .serialized)
struct SweepConditionTests {
    @Test func theQueueRecordsTheConditionAndAWorkerWithAnotherIsRefused() throws {
        let l = try TestServer.freshDatabase()
        let url = TestServer.urlString(l)
        let home = try KTuneBinary.home()
        // 16x64x64 is decode-shaped (M ≤ 16: timed with cold weights), 32x64x128 is hot.
        let a = try KTuneBinary.run(KTuneBinary.sweepArguments(out: home + "/a.json", journal: home + "/a.jsonl", maxEvals: 2)
                                    + ["--store", url, "--worker", "--sweep", "mixed"], home: home, tag: "a")
        #expect(a.status == 0, "\(a.err)")
        let c = try StoreConnection(l)
        defer { c.close() }
        let targets = try c.query("SELECT shape, condition FROM ktune.sweep_targets ORDER BY target_index", "reading targets")
            .map { try $0.decode((String, String?).self) }
        #expect(targets.map(\.0) == ["16x64x64", "32x64x128"])
        #expect(targets.map(\.1) == ["cold", "hot"])
        let queued = try c.query("SELECT shape, condition, result->>'condition' FROM ktune.sweep_candidates ORDER BY seq", "reading queue")
            .map { try $0.decode((String, String?, String?).self) }
        #expect(queued.count == 4)
        #expect(queued.allSatisfy { $0.1 == ($0.0 == "16x64x64" ? "cold" : "hot") && $0.2 == $0.1 },
                "every candidate and its measurement carry the target's condition: \(queued)")
        // The local journal of the worker records it too.
        let journal = try String(contentsOfFile: home + "/a.jsonl", encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(journal.count == 4 && journal.allSatisfy { $0.contains("\"condition\"") })

        // A sweep of that name whose first target was queued hot: a worker timing it cold is refused.
        try c.query("UPDATE ktune.sweep_targets SET condition = 'hot' WHERE shape = '16x64x64'", "tampering")
        let b = try KTuneBinary.run(KTuneBinary.sweepArguments(out: home + "/b.json", journal: home + "/b.jsonl", maxEvals: 2)
                                    + ["--store", url, "--worker", "--sweep", "mixed"], home: home, tag: "b")
        #expect(b.status != 0)
        #expect(b.err.contains("weight condition of target 0 (matmul 16x64x64) hot, this worker has cold; refused"), "\(b.err)")
        #expect(!FileManager.default.fileExists(atPath: home + "/b.json"))
    }
}
#endif
