#if Store
import Configs
import Foundation
import Store
import Testing
import Tuner

/// Journals and configs made by the real `ktune tune`, pushed, pulled and picked up by `ktune generate`.
@Suite(.enabled(if: TestServer.available, TestServer.skipReason), .serialized)
struct PushPullTests {
    /// One small local sweep (no store), shared by the tests of this suite.
    static let tuned: (home: String, config: String, journal: String)? = {
        guard TestServer.available, let home = try? KTuneBinary.home() else { return nil }
        let config = home + "/tuned.json", journal = home + "/tuned.journal.jsonl"
        guard let r = try? KTuneBinary.run(KTuneBinary.sweepArguments(out: config, journal: journal, maxEvals: 5), home: home),
              r.status == 0 else { return nil }
        return (home, config, journal)
    }()

    func entries(_ text: String) throws -> [JournalEntry] {
        let lines = text.split(separator: "\n").dropFirst()
        return try lines.map { try JSONDecoder.journalTest.decode(JournalEntry.self, from: Data($0.utf8)) }
    }

    @Test func pushingTheSameJournalTwiceAddsNothingAndPullGivesItBack() throws {
        let t = try #require(Self.tuned, "the local sweep failed")
        let l = try TestServer.freshDatabase()
        let url = TestServer.urlString(l)
        let first = try KTuneBinary.run(["store", "push", "--store", url, "--journal", t.journal, "--config", t.config], home: t.home)
        #expect(first.status == 0, "\(first.err)")
        let original = try String(contentsOfFile: t.journal, encoding: .utf8)
        let count = original.split(separator: "\n").count - 1
        #expect(first.out.contains("\(count) measurements added, 0 already stored"), "\(first.out)")
        #expect(first.out.contains("version 1 (new)"))
        let second = try KTuneBinary.run(["store", "push", "--store", url, "--journal", t.journal, "--config", t.config], home: t.home)
        #expect(second.status == 0, "\(second.err)")
        #expect(second.out.contains("0 measurements added, \(count) already stored"), "\(second.out)")
        #expect(second.out.contains("version 1 (already stored)"))

        let store = try ResultsStore.open(l)
        defer { store.close() }
        let runs = try store.runs(fingerprint: nil)
        #expect(runs.count == 1)
        #expect(runs.first?.measurements == count)
        // Round trip: the pulled journal has the same header and entries.
        let pulled = t.home + "/pulled.journal.jsonl"
        let p = try KTuneBinary.run(["store", "pull", "--store", url, "--run", try #require(runs.first?.runID), "--out", pulled], home: t.home)
        #expect(p.status == 0, "\(p.err)")
        let back = try String(contentsOfFile: pulled, encoding: .utf8)
        #expect(try entries(back) == entries(original))
        let h1 = try JSONDecoder().decode(JournalHeader.self, from: Data(String(original.split(separator: "\n")[0]).utf8))
        let h2 = try JSONDecoder().decode(JournalHeader.self, from: Data(String(back.split(separator: "\n")[0]).utf8))
        #expect(h1 == h2)
        // The pulled journal resumes like the original: nothing is measured again.
        let resumed = try KTuneBinary.run(KTuneBinary.sweepArguments(out: t.home + "/resumed.json", journal: pulled, maxEvals: 5) + ["--resume"],
                                          home: t.home)
        #expect(resumed.status == 0, "\(resumed.err)")
        #expect(resumed.err.contains("(\(count) measurements recorded)"), "\(resumed.err)")

        // The config: pulled equal to the pushed one, pushed back unchanged as the same version.
        let config = t.home + "/pulled.json"
        let pc = try KTuneBinary.run(["store", "pull", "--store", url, "--out", config], home: t.home)
        #expect(pc.status == 0, "\(pc.err)")
        let a = try JSONDecoder().decode(TunedConfig.self, from: Data(contentsOf: URL(fileURLWithPath: t.config)))
        let b = try JSONDecoder().decode(TunedConfig.self, from: Data(contentsOf: URL(fileURLWithPath: config)))
        #expect(a == b)
        let again = try KTuneBinary.run(["store", "push", "--store", url, "--config", config], home: t.home)
        #expect(again.out.contains("version 1 (already stored)"), "\(again.out)")
        let list = try KTuneBinary.run(["store", "list", "--store", url], home: t.home)
        #expect(list.status == 0)
        #expect(list.out.contains(a.machine.fingerprint))
        #expect(list.out.contains("v1"))
        let best = try KTuneBinary.run(["store", "best", "--store", url], home: t.home)
        #expect(best.status == 0, "\(best.err)")
        #expect(best.out.contains("tuned config version 1"))
        #expect(best.out.contains("16x64x64"))
    }

    @Test func tuneWithAStoreUploadsAndGeneratePicksUpOnlyThisMachinesConfig() throws {
        let t = try #require(Self.tuned, "the local sweep failed")
        let l = try TestServer.freshDatabase()
        let url = TestServer.urlString(l)
        let home = try KTuneBinary.home()
        let tune = try KTuneBinary.run(KTuneBinary.sweepArguments(out: home + "/c.json", journal: home + "/c.journal.jsonl", maxEvals: 3)
                                       + ["--store", url], home: home)
        #expect(tune.status == 0, "\(tune.err)")
        #expect(tune.err.contains("tuned config version 1 for machine"), "\(tune.err)")

        let model = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
        try #require(FileManager.default.fileExists(atPath: model), "run scripts/setup.sh (fetches the default model)")
        let generate = ["generate", "--model", model, "--prompt", "Hi", "--max-tokens", "1", "--temperature", "0", "--store", url]
        let g = try KTuneBinary.run(generate, home: home)
        #expect(g.status == 0, "\(g.err)")
        #expect(g.err.contains("using tuned config version 1 for this machine"), "\(g.err)")
        #expect(g.err.contains("plan: tuned config"), "\(g.err)")

        // A store holding only another machine's config: never used.
        let other = try TestServer.freshDatabase()
        var foreign = try JSONDecoder().decode(TunedConfig.self, from: Data(contentsOf: URL(fileURLWithPath: t.config)))
        foreign.machine.fingerprint = "0123456789abcdef"
        foreign.machine.cpu = "Another CPU"
        let store = try ResultsStore.open(other)
        defer { store.close() }
        _ = try store.pushConfig(try JSONEncoder().encode(foreign), path: "foreign.json")
        let f = try KTuneBinary.run(["generate", "--model", model, "--prompt", "Hi", "--max-tokens", "1", "--temperature", "0",
                                     "--store", TestServer.urlString(other)], home: home)
        #expect(f.status == 0, "\(f.err)")
        #expect(f.err.contains("no tuned config for this machine"), "\(f.err)")
        #expect(f.err.contains("configs of 1 other machine are not used"), "\(f.err)")
        #expect(f.err.contains("plan: analytical defaults"), "\(f.err)")
    }
}

extension JSONDecoder {
    static var journalTest: JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }
}
#endif
