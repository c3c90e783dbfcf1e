import Foundation
import Testing

/// What a refusal leaves behind: for each class of hostile input (issue 14), the real binary runs in a
/// scratch directory with KTUNE_HOME inside it, next to a journal and a tuned config from an earlier run.
/// The request must be refused (a clean error naming the input, no signal, no hang), every file there must
/// be byte for byte what it was (the earlier journal and config included), and no file may appear.
@Suite(.serialized) struct RefusalSideEffectTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static var model: String { root.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path }

    struct Run { var status: Int32; var signalled: Bool; var timedOut: Bool; var err: String }

    /// A scratch directory holding `home/` (KTUNE_HOME) with an earlier journal and config, and the
    /// same pair beside it as explicit --journal/--out files.
    struct Scratch {
        var dir: String
        var home: String { dir + "/home" }
        var journal: String { dir + "/earlier.jsonl" }
        var config: String { dir + "/earlier.json" }

        init() throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("ktune-refusal-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir + "/home/tuned", withIntermediateDirectories: true)
            let header = #"{"createdAt":"2026-12-01T00:00:00Z","fingerprint":"0123456789abcdef","journalVersion":1,"spaceHash":"abc","strategy":"exhaustive","toolVersion":"0","type":"header"}"#
            let journalText = header + "\n" + #"{"kernel":"matmul","shape":"16x64x64","time":"2026-12-01T00:00:01Z"}"# + "\n"
            let configText = #"{"schemaVersion":1,"machine":{"fingerprint":"0123456789abcdef","cpu":"Earlier CPU","caches":[],"isa":[],"cores":2},"createdAt":"2026-12-01T00:00:00Z","toolVersion":"0","entries":[]}"#
            for p in [journal, dir + "/home/tuned/0123456789abcdef.journal.jsonl"] { try journalText.write(toFile: p, atomically: true, encoding: .utf8) }
            for p in [config, dir + "/home/tuned/0123456789abcdef.json"] { try configText.write(toFile: p, atomically: true, encoding: .utf8) }
        }

        /// Every file and directory under the scratch directory with its contents' digest.
        func snapshot() -> [String: String] {
            var out: [String: String] = [:]
            let fm = FileManager.default
            guard let e = fm.enumerator(atPath: dir) else { return out }
            while let rel = e.nextObject() as? String {
                let path = dir + "/" + rel
                var isDir: ObjCBool = false
                _ = fm.fileExists(atPath: path, isDirectory: &isDir)
                if isDir.boolValue { out[rel] = "dir"; continue }
                let attrs = try? fm.attributesOfItem(atPath: path)
                if let t = attrs?[.type] as? FileAttributeType, t != .typeRegular, t != .typeDirectory { out[rel] = "special"; continue }
                let data = fm.contents(atPath: path) ?? Data()
                out[rel] = "\(data.count):\(Self.fnv(data))"
            }
            return out
        }

        static func fnv(_ d: Data) -> String {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in d { h ^= UInt64(b); h &*= 0x0000_0100_0000_01b3 }
            return String(h, radix: 16)
        }
    }

    func ktune(_ arguments: [String], in s: Scratch, deadline: Double = 60) throws -> Run {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("ktune").path) && dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        let p = Process()
        p.executableURL = dir.appendingPathComponent("ktune")
        p.arguments = arguments
        p.currentDirectoryURL = URL(fileURLWithPath: s.dir)
        var env = ProcessInfo.processInfo.environment
        env["KTUNE_HOME"] = s.home
        env["KTUNE_STORE"] = nil
        env["KTUNE_CONFIG"] = nil
        env["KTUNE_PROFILES"] = Self.root.appendingPathComponent("profiles").path
        p.environment = env
        // Output outside the scratch directory, so that it does not count as written there.
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("ktune-refusal-err-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errURL) }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = try FileHandle(forWritingTo: errURL)
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let start = Date()
        var timedOut = false
        while p.isRunning {
            if Date().timeIntervalSince(start) > deadline { timedOut = true; kill(p.processIdentifier, SIGKILL); break }
            usleep(20_000)
        }
        p.waitUntilExit()
        return Run(status: p.terminationStatus, signalled: p.terminationReason == .uncaughtSignal && !timedOut,
                   timedOut: timedOut, err: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }

    /// Runs `arguments` in a fresh scratch directory and checks the refusal and that nothing changed.
    func expectRefusedLeavingNothing(_ arguments: (Scratch) throws -> [String], naming: String, deadline: Double = 60,
                                     prepare: (Scratch) throws -> Void = { _ in },
                                     sourceLocation: SourceLocation = #_sourceLocation) throws {
        let s = try Scratch()
        defer { try? FileManager.default.removeItem(atPath: s.dir) }
        try prepare(s)
        let before = s.snapshot()
        let r = try ktune(try arguments(s), in: s, deadline: deadline)
        #expect(!r.timedOut, "hung (killed at the deadline)", sourceLocation: sourceLocation)
        #expect(!r.signalled, "crashed with a signal; stderr: \(r.err)", sourceLocation: sourceLocation)
        #expect(r.status != 0, "not refused; stderr: \(r.err)", sourceLocation: sourceLocation)
        #expect(r.err.contains(naming), "stderr does not name '\(naming)': \(r.err)", sourceLocation: sourceLocation)
        let after = s.snapshot()
        let added = Set(after.keys).subtracting(before.keys).sorted()
        let changed = before.keys.filter { after[$0] != before[$0] }.sorted()
        #expect(added.isEmpty, "written by a refused request: \(added)", sourceLocation: sourceLocation)
        #expect(changed.isEmpty, "changed or removed by a refused request: \(changed)", sourceLocation: sourceLocation)
        #expect(after[ "earlier.jsonl"] != nil && after["home/tuned/0123456789abcdef.json"] != nil, sourceLocation: sourceLocation)
    }

    func tune(_ s: Scratch, _ extra: [String]) -> [String] {
        ["tune", "--kernel", "matmul", "--shape", "16x64x64", "--strategy", "exhaustive", "--max-evals", "2", "--threads", "1",
         "--no-calibration", "--journal", s.journal, "--out", s.config] + extra
    }

    // Class 1: unchecked arithmetic (a shape whose operands overflow what memory and 64-bit sizes hold).

    @Test func aShapeBeyondMemoryIsRefusedBeforeTheJournalIsTouched() throws {
        try expectRefusedLeavingNothing({ ["tune", "--kernel", "matmul", "--shape", "16777216x16777216x16777216", "--journal", $0.journal,
                                           "--out", $0.config, "--no-calibration"] }, naming: "16777216x16777216x16777216")
        try expectRefusedLeavingNothing({ _ in ["bench", "matmul", "--shape", "99999999999x2x2"] }, naming: "99999999999")
    }

    // Class 2: unbounded resources and search ranges.

    @Test func absurdSearchRangesAreRefusedWithTheNumberAndNothingWritten() throws {
        try expectRefusedLeavingNothing({ self.tune($0, ["--strategy", "adaptive", "--strategy-option", "radius=1000000000000"]) },
                                        naming: "≤ 1024")
        try expectRefusedLeavingNothing({ self.tune($0, ["--strategy", "adaptive", "--strategy-option", "explore-fraction=1e300"]) },
                                        naming: "explore-fraction")
        try expectRefusedLeavingNothing({ self.tune($0, ["--budget", "1e300"]) }, naming: "--budget")
        try expectRefusedLeavingNothing({ ["tune", "--decode-context", "9223372036854775807", "--journal", $0.journal, "--out", $0.config] },
                                        naming: "--decode-context 9223372036854775807")
        let buckets = (1...100).map(String.init).joined(separator: ",")
        try expectRefusedLeavingNothing({ ["tune", "--prefill-buckets", buckets, "--journal", $0.journal, "--out", $0.config] },
                                        naming: "lists 100 values")
        try expectRefusedLeavingNothing({ _ in ["bench", "matmul", "--shape", "8x8x8", "--warmup", "1000000000000"] }, naming: "--warmup")
        try expectRefusedLeavingNothing({ _ in ["bench", "matmul", "--shape", "8x8x8", "--max-seconds", "nan"] }, naming: "--max-seconds")
    }

    // Class 3: special files.

    @Test func aFIFOAsTheJournalIsRefusedWithoutBlockingOrWriting() throws {
        try expectRefusedLeavingNothing({ self.tune($0, ["--resume", "--journal", $0.dir + "/fifo.jsonl"]) }, naming: "fifo.jsonl",
                                        prepare: { #expect(mkfifo($0.dir + "/fifo.jsonl", 0o600) == 0) })
    }

    // Classes 4 and 5: trusted-but-foreign data, data loss.

    @Test func resumingAnotherMachinesJournalIsRefusedKeepingBothFiles() throws {
        // The earlier journal's header names machine 0123456789abcdef; this machine differs.
        try expectRefusedLeavingNothing({ self.tune($0, ["--resume"]) }, naming: "earlier.jsonl")
    }

    // Class 6: libraries we call.

    @Test func aTopologyNestedTooDeepIsRefusedAndNothingWritten() throws {
        try expectRefusedLeavingNothing({ ["probe", "--topology", $0.dir + "/nested.xml", "--no-bench"] }, naming: "nested.xml",
                                        prepare: { s in
            let xml = "<?xml version=\"1.0\"?><topology>" + String(repeating: "<object type=\"Group\">", count: 200)
                + String(repeating: "</object>", count: 200) + "</topology>"
            try xml.write(toFile: s.dir + "/nested.xml", atomically: true, encoding: .utf8)
        })
    }

    // Class 7: results that look like numbers.

    @Test func simulatorRequestsThatWouldPrintNonNumbersAreRefused() throws {
        try expectRefusedLeavingNothing({ _ in ["simulate", "inference", "--gpu", "h800-sxm", "--batch", "0"] }, naming: "--batch")
        try expectRefusedLeavingNothing({ _ in ["simulate", "inference", "--gpu", "h800-sxm", "--price", "nan"] }, naming: "--price")
    }
}
