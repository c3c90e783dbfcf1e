import Foundation
import Testing
@testable import Tuner

/// A real `ktune tune` child process killed with SIGKILL at a random point, then resumed: every journal
/// line flushed before the kill survives, and no measurement is repeated.
///
/// Needs the `ktune` executable built next to the test bundle (`swift build` or `swift test`, which builds
/// it for the ktuneTests target); the test fails with that instruction if it is missing.
@Suite(.serialized) struct KillResumeTests {
    /// `.build/<triple>/debug/ktune`: the directory of this test process's executable, else the package's
    /// `.build/debug`.
    static func ktuneBinary() -> String? {
        var candidates: [URL] = []
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(dir.appendingPathComponent("ktune"))
            dir = dir.deletingLastPathComponent()
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/ktune"))
        return candidates.map(\.path).first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func journalLines(_ path: String) -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        // Only complete (newline-terminated) lines count as flushed.
        var lines = text.components(separatedBy: "\n")
        lines.removeLast()
        return lines
    }

    static func entryKey(_ line: String) throws -> String {
        let e = try JSONDecoder().decode(JournalEntry.self, from: Data(line.utf8))
        return "\(e.kernel)|\(e.shape)|\(e.result.params)|\(e.result.rung)"
    }

    @Test func sweepKilledAtARandomPointResumesWithoutLosingOrRepeatingMeasurements() throws {
        guard let ktune = Self.ktuneBinary() else {
            Issue.record("the ktune executable is not built next to the tests; run `swift build` first")
            return
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ktune-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let journal = dir.appendingPathComponent("sweep.jsonl").path
        let evalsPerShape = 24
        let shapes = ["24x40x48", "20x36x40"]
        var arguments = ["tune", "--kernel", "matmul", "--strategy", "exhaustive", "--max-evals", "\(evalsPerShape)",
                         "--budget", "600", "--journal", journal, "--out", dir.appendingPathComponent("tuned.json").path,
                         "--no-calibration", "--json"]
        for s in shapes { arguments += ["--shape", s] }

        func launch(_ extra: [String], stdout: String) throws -> Process {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: ktune)
            p.arguments = arguments + extra
            var env = ProcessInfo.processInfo.environment
            env["KTUNE_HOME"] = dir.path
            p.environment = env
            FileManager.default.createFile(atPath: stdout, contents: nil)
            FileManager.default.createFile(atPath: stdout + ".err", contents: nil)
            p.standardOutput = FileHandle(forWritingAtPath: stdout)
            p.standardError = FileHandle(forWritingAtPath: stdout + ".err")
            try p.run()
            return p
        }

        // 1. Start the sweep and kill it once a random number of measurements is on disk.
        var rng = SystemRandomNumberGenerator()
        let killAfter = Int.random(in: 3...(evalsPerShape * shapes.count / 2), using: &rng)
        let first = try launch([], stdout: dir.appendingPathComponent("first.out").path)
        let deadline = Date().addingTimeInterval(60)
        while first.isRunning, Self.journalLines(journal).count - 1 < killAfter, Date() < deadline {
            usleep(500)
        }
        #expect(first.isRunning, "the sweep finished before it could be killed (after \(killAfter) measurements)")
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        #expect(first.terminationReason == .uncaughtSignal)
        let before = Self.journalLines(journal)
        #expect(before.count - 1 >= killAfter)

        // 2. Resume to completion.
        let outPath = dir.appendingPathComponent("second.out").path
        let second = try launch(["--resume"], stdout: outPath)
        second.waitUntilExit()
        let err = (try? String(contentsOfFile: outPath + ".err", encoding: .utf8)) ?? ""
        #expect(second.terminationStatus == 0, "resume failed: \(err)")
        let after = Self.journalLines(journal)

        // Every line flushed before the kill is still there, unchanged, in order.
        #expect(Array(after.prefix(before.count)) == before)
        // No measurement repeated, and the sweep is complete. (A line torn by the kill, if any, is skipped.)
        let keys = after.dropFirst().compactMap { try? Self.entryKey($0) }
        #expect(Set(keys).count == keys.count)
        #expect(keys.count == evalsPerShape * shapes.count)
        // The resumed run took the recorded ones from the journal.
        let report = try JSONDecoder().decode(TuneReport.self, from: Data(contentsOf: URL(fileURLWithPath: outPath)))
        #expect(report.results.map(\.replayed).reduce(0, +) == before.count - 1)
        #expect(report.results.allSatisfy { $0.evaluations == evalsPerShape })
    }
}
