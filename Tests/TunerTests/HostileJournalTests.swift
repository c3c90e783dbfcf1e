import Configs
import Foundation
import KernelContract
import Testing
@testable import Tuner

/// Trusted-but-foreign journals and configs (classes 4 and 5): bad entries are skipped with a warning
/// naming their line, earlier journals and unusable configs are kept, never destroyed.
@Suite struct HostileJournalTests {
    let header = JournalHeader(fingerprint: "f", spaceHash: "h", createdAt: "t", strategy: "random")

    func dir() -> URL {
        let u = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("ktune-hj-\(getpid())-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }

    func line(_ seconds: String, samples: String = "[0.001]", gflops: String = "{\"median\":1,\"min\":1,\"max\":1}", mr: Int = 4) -> String {
        "{\"type\":\"candidate\",\"kernel\":\"matmul\",\"shape\":\"1x64x64\",\"time\":\"t\",\"result\":{\"params\":{\"mr\":\(mr)},\"rung\":0,\"outcome\":\"ok\",\"samples\":\(samples),\"innerRuns\":1,\"gflops\":\(gflops),\"noisy\":false,\"seconds\":\(seconds)}}"
    }

    @Test func nonFiniteNegativeAndDuplicateEntriesAreSkippedNamingTheirLine() throws {
        let enc = JSONEncoder()
        let head = String(decoding: try enc.encode(header), as: UTF8.self)
        let lines = [head,
                     line("0.5"),                                          // 2: good
                     line("\"nan\"", mr: 5),                               // 3: NaN time
                     line("-1", mr: 6),                                    // 4: negative time
                     line("\"inf\"", mr: 7),                               // 5: infinite time
                     line("0.5", gflops: "{\"median\":\"inf\",\"min\":1,\"max\":1}", mr: 8),  // 6: infinite rate
                     line("0.5", samples: "[-0.001]", mr: 9),             // 7: negative sample
                     line("0.5")]                                          // 8: duplicate of 2
        let data = Data((lines.joined(separator: "\n") + "\n").utf8)
        let c = try JournalFile.read(data, path: "j.jsonl", expected: header)
        #expect(c.entries.count == 1)
        for n in 3...8 { #expect(c.warnings.contains { $0.hasPrefix("j.jsonl:\(n):") }, "no warning for line \(n): \(c.warnings)") }
        #expect(c.warnings.contains { $0.contains("duplicate of line 2") })
        #expect(c.warnings.contains { $0.contains("result.seconds") })
        #expect(c.warnings.contains { $0.contains("result.gflops.median") })
    }

    @Test func rotationKeepsTheEarlierJournal() throws {
        let d = dir()
        let path = d.appendingPathComponent("j.jsonl").path
        try "earlier\n".write(toFile: path, atomically: true, encoding: .utf8)
        try "older\n".write(toFile: path + ".1", atomically: true, encoding: .utf8)
        let kept = try JournalRotation.rotate(path)
        #expect(kept == path + ".2")
        #expect(try String(contentsOfFile: path + ".2", encoding: .utf8) == "earlier\n")
        #expect(try String(contentsOfFile: path + ".1", encoding: .utf8) == "older\n")
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(try JournalRotation.rotate(path) == nil)
    }

    @Test func resumingAFIFOJournalIsRefusedWithoutBlocking() throws {
        let path = dir().appendingPathComponent("j.jsonl").path
        #expect(mkfifo(path, 0o600) == 0)
        #expect(throws: TunerError.self) { _ = try JournalFile.resume(path, expected: header) }
    }

    @Test func unusableConfigIsBackedUpNotLost() throws {
        let d = dir()
        let path = d.appendingPathComponent("tuned.json").path
        try "{ not json".write(toFile: path, atomically: true, encoding: .utf8)
        guard case .fallback = TunedConfigFile.load(path, expectingFingerprint: nil) else {
            Issue.record("a corrupt config loaded"); return
        }
        let kept = try TunedConfigBackup.keep(path)
        #expect(kept == path + ".backup-1")
        #expect(try String(contentsOfFile: kept, encoding: .utf8) == "{ not json")
        #expect(TunedConfigBackup.nextName(for: path) == path + ".backup-2")
    }

    @Test func configThatIsADirectoryOrFIFOFallsBackWithAWarning() throws {
        let d = dir()
        let fifo = d.appendingPathComponent("fifo.json").path
        #expect(mkfifo(fifo, 0o600) == 0)
        for p in [d.path, fifo, "/dev/zero"] {
            guard case let .fallback(warning) = TunedConfigFile.load(p, expectingFingerprint: nil) else {
                Issue.record("\(p) loaded as a config"); continue
            }
            #expect(warning.contains(p) && warning.contains("regular file"), "\(warning)")
        }
    }
}
