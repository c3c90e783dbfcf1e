import Foundation
import Testing
@testable import Report

/// The readers and the simulator-derived export data, on the real fixture files.
@Suite struct ReportDataTests {
    @Test func exportRulesBecomeRegionsAndGPUsArePlacedByTheSimulator() throws {
        guard case let .loaded(r) = ReportFixtures.rules else { Issue.record("fixture rules did not load"); return }
        #expect(r.rules.map(\.id) == ["3A090-2022", "3A090-2023"])
        let y2023 = r.regions.filter { $0.rule == "3A090-2023" }
        #expect(y2023.map(\.controlClass) == ["3A090.a", "3A090.a", "3A090.b", "3A090.b"])
        #expect(y2023[0].tpp.lowerBound == 4800 && y2023[1].pd.lowerBound == 5.92)
        #expect(y2023[2].tpp == 2400...4800)
        let y2022 = r.regions.filter { $0.rule == "3A090-2022" }
        #expect(y2022.count == 1 && !y2022[0].otherCriteria.isEmpty, "the 2022 I/O criterion is named, not drawn")
        let h20 = try #require(r.gpus.first { $0.id == "h20" })
        let h800 = try #require(r.gpus.first { $0.id == "h800-sxm" })
        #expect(h20.caughtBy["3A090-2023"] == [])
        #expect(h800.caughtBy["3A090-2023"] == ["3A090.a"])
        // TPP = dense TFLOP/s × bit length at the densest dtype: H800 fp8 1979 × 8.
        #expect(abs(h800.tpp - 1979 * 8) < 1e-9)
    }

    @Test func simulationTimeIsSplitByWhatBoundsEachOp() throws {
        let s = try SimulationData.read(ReportFixtures.path("simulate.json"))
        let h800 = try #require(s.estimates.first { $0.gpu == "h800-sxm" })
        #expect(h800.computeMs > 0 && h800.memoryMs > 0 && h800.communicationMs > 0)
        #expect(s.estimates.contains { $0.error != nil }, "the fixture has a GPU without an fp8 figure")
        // Per-op parts, when the simulator writes them, are used instead of `bound`.
        let json = try JSONValue.parse(Data(#"""
            {"ops": [{"timeMs": 2, "computeMs": 2, "memoryMs": 1},
                     {"timeMs": 3, "computeMs": 1, "memoryMs": 3},
                     {"timeMs": 4, "communicationMs": 4, "computeMs": 0, "memoryMs": 0}]}
            """#.utf8))
        let (c, m, x) = SimulationData.split(json)
        #expect(c == 2 && m == 3 && x == 4)
    }

    @Test func probeJournalAndConfigAreReadFromRealKtuneOutput() throws {
        let m = try MachineData.read(ReportFixtures.path("probe.json"))
        #expect(!m.computePeaks.isEmpty && !m.bandwidthPeaks.isEmpty)
        #expect(m.bandwidthPeaks.map(\.name).contains("DRAM"))
        let (prov, candidates, skipped, strategy) = try TuningData.readJournal(ReportFixtures.path("tuned.journal.jsonl"))
        #expect(prov.fingerprint == m.fingerprint)
        #expect(candidates.count == 260 && skipped.isEmpty && strategy == "adaptive")
        #expect(candidates.contains { $0.noisy })
        let (_, winners, e2e, _) = try TuningData.readConfig(ReportFixtures.path("tuned.json"))
        #expect(winners.count == 2 && winners.allSatisfy { $0.tuned > 0 && $0.baseline > 0 })
        #expect(e2e.isEmpty)
    }

    /// A config in the layout the tuner's end-to-end proof writes (cold/hot conditions, `endToEnd`).
    @Test func endToEndRunsAndConditionsAreShown() throws {
        let (prov, winners, e2e, notes) = try TuningData.readConfig(ReportFixtures.path("tuned-e2e.json"))
        #expect(winners.map { $0.condition ?? "" }.sorted() == ["cold", "hot"])
        #expect(e2e.map(\.label) == ["prefill 512", "decode 128 after 512"])
        #expect(e2e[0].defaultTokensPerSecond == 221.7 && e2e[0].tunedTokensPerSecond == 240.3)
        #expect(notes.contains { $0.contains("Dropped") && $0.contains("64x576x576") })
        var data = TuningData(config: prov, winners: winners, endToEnd: e2e)
        data.endToEndNotes = notes
        let section = TuningSection.build(journal: .absent, config: .loaded(data))
        #expect(section.figures.map(\.chart.title) == ["Default vs tuned kernels", "End to end: default vs tuned plan"])
        #expect(section.figures[0].caption.contains("prefill 512 ×1.08"))
        let svg = section.figures[1].chart.svg().render()
        #expect(svg.contains("×1.08") && svg.contains("×1.06"))
        #expect(section.figures[0].chart.svg().render().contains("matmul 1x576x1536 (cold)"))
    }

    @Test func profileRecordsReadAsArrayOrJSONLines() throws {
        let p = ReportFixtures.fixtures.appendingPathComponent("profile.json")
        let array = try ProfileData.read(p.path)
        #expect(array.records.count == 6)
        #expect(array.records[0].test == "pp512" && array.records[4].test == "tg128")
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: p)) as? [Any])
        let dir = try ReportFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let lines = try objects.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
        let jsonl = dir.appendingPathComponent("profile.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: jsonl, atomically: true, encoding: .utf8)
        let fromLines = try ProfileData.read(jsonl.path)
        #expect(fromLines.records == array.records)
    }
}
