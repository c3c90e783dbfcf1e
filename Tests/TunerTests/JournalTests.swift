import Foundation
import Kernels
import Testing
@testable import Tuner

@Suite struct JournalTests {
    static func tempPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("ktune-tuner-\(UUID().uuidString)").appendingPathComponent(name).path
    }

    static let header = JournalHeader(fingerprint: "fp-this", spaceHash: "0123456789abcdef",
                                      createdAt: "2026-11-29T00:00:00Z", strategy: "adaptive")

    static func entry(_ i: Int) -> JournalEntry {
        JournalEntry(kernel: "matmul", shape: "8x8x8", time: "2026-11-29T00:00:0\(i % 10)Z",
                     result: CandidateResult(params: ParameterSet(["kc": i]), rung: 0, outcome: .ok,
                                             samples: [1e-6, 1.1e-6], innerRuns: 10,
                                             gflops: .init(median: 1, min: 0.9, max: 1.1), seconds: 0.01))
    }

    @Test func appendedEntriesReadBackInOrder() throws {
        let path = Self.tempPath("j.jsonl")
        let j = try JournalFile.create(path, header: Self.header)
        for i in 0..<5 { try j.append(Self.entry(i)) }
        let (_, contents) = try JournalFile.resume(path, expected: Self.header)
        #expect(contents.entries == (0..<5).map(Self.entry))
        #expect(contents.warnings.isEmpty)
        // One line per entry plus the header.
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.split(separator: "\n").count == 6)
    }

    @Test func corruptedLineIsSkippedWithAWarningNamingItsLineNumber() throws {
        let path = Self.tempPath("j.jsonl")
        let j = try JournalFile.create(path, header: Self.header)
        for i in 0..<4 { try j.append(Self.entry(i)) }
        var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[2] = String(lines[2].prefix(25)) + "#garbage"   // line 3 = entry 1
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let (_, contents) = try JournalFile.resume(path, expected: Self.header)
        #expect(contents.entries == [0, 2, 3].map(Self.entry))
        #expect(contents.warnings.count == 1)
        #expect(contents.warnings.first?.contains("\(path):3") == true)
    }

    @Test func journalFromAnotherMachineIsRefusedNamingTheField() throws {
        let path = Self.tempPath("j.jsonl")
        var other = Self.header
        other.fingerprint = "fp-other"
        _ = try JournalFile.create(path, header: other)
        #expect {
            _ = try JournalFile.resume(path, expected: Self.header)
        } throws: { e in
            guard let e = e as? TunerError, case let .journalMismatch(p, field, found, expected) = e else { return false }
            return p == path && field == "fingerprint" && found == "fp-other" && expected == "fp-this"
                && e.description.contains("fingerprint")
        }
    }

    @Test func changedSearchSpaceOrToolVersionIsRefusedNamingTheField() throws {
        for (field, mutate) in [("spaceHash", { (h: inout JournalHeader) in h.spaceHash = "ffff" }),
                                ("toolVersion", { (h: inout JournalHeader) in h.toolVersion = "0.0.1" })] {
            let path = Self.tempPath("j.jsonl")
            var other = Self.header
            mutate(&other)
            _ = try JournalFile.create(path, header: other)
            #expect {
                _ = try JournalFile.resume(path, expected: Self.header)
            } throws: { e in
                guard case let .journalMismatch(_, f, _, _) = e as? TunerError else { return false }
                return f == field
            }
        }
    }

    @Test func lineTornByAKillIsSkippedAndAppendingStartsOnAFreshLine() throws {
        let path = Self.tempPath("j.jsonl")
        let j = try JournalFile.create(path, header: Self.header)
        try j.append(Self.entry(0))
        // Simulate a kill mid-write: half a line, no newline.
        let h = try #require(FileHandle(forWritingAtPath: path))
        try h.seekToEnd()
        try h.write(contentsOf: Data("{\"kernel\":\"matmul\",\"res".utf8))
        try h.close()
        let (j2, contents) = try JournalFile.resume(path, expected: Self.header)
        #expect(contents.entries == [Self.entry(0)])
        #expect(contents.warnings.count == 1 && contents.warnings[0].contains(":3"))
        try j2.append(Self.entry(1))
        let (_, again) = try JournalFile.resume(path, expected: Self.header)
        #expect(again.entries == [Self.entry(0), Self.entry(1)])
    }

    @Test func headerThatIsNotJSONIsRefusedNamingLineOne() throws {
        let path = Self.tempPath("j.jsonl")
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try "not json\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            _ = try JournalFile.resume(path, expected: Self.header)
        } throws: { e in
            (e as? TunerError)?.description.contains("line 1") == true
        }
    }

    @Test func spaceHashChangesWithAnyParameterValue() {
        let a = SearchSpace(kernel: "k", parameters: [Parameter("x", [1, 2])], constraints: [])
        let b = SearchSpace(kernel: "k", parameters: [Parameter("x", [1, 2, 3])], constraints: [])
        #expect(SearchSpaceHash.of([("k", "s", a)]) != SearchSpaceHash.of([("k", "s", b)]))
        #expect(SearchSpaceHash.of([("k", "s", a)]) == SearchSpaceHash.of([("k", "s", a)]))
    }
}
