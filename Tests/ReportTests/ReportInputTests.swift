import Foundation
import Testing
@testable import Report

/// Missing, truncated and foreign inputs: the section says why, the rest of the report renders; text from
/// files is escaped.
@Suite struct ReportInputTests {
    @Test func noInputsGiveEverySectionAHowTo() {
        let doc = ReportBuilder.document(ReportInputs(), rules: .absent, now: ReportFixtures.fixedDate)
        for s in doc.sections {
            #expect(s.blocks.contains { if case .howTo = $0 { return true }; return false }, "\(s.id) has no how-to")
            #expect(s.figures.isEmpty)
        }
        let html = doc.html()
        #expect(html.contains("ktune probe --json &gt; out/probe.json"))
    }

    @Test func truncatedForeignAndMissingFilesAreNamedAndTheRestRenders() throws {
        let dir = try ReportFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let probe = try Data(contentsOf: URL(fileURLWithPath: ReportFixtures.path("probe.json")))
        let truncated = dir.appendingPathComponent("probe.json")
        try probe.prefix(probe.count / 2).write(to: truncated)
        let foreign = dir.appendingPathComponent("foreign.json")
        try Data(#"{"hello": "world", "entries": 3}"#.utf8).write(to: foreign)
        var inputs = ReportFixtures.inputs
        inputs.probe = truncated.path
        inputs.config = foreign.path
        inputs.simulate = dir.appendingPathComponent("missing.json").path
        let doc = ReportFixtures.document(inputs)
        func problems(_ id: String) -> [String] {
            doc.sections.first { $0.id == id }?.blocks.compactMap { if case let .problem(p) = $0 { return p }; return nil } ?? []
        }
        #expect(problems("machine").contains { $0.contains(truncated.path) && $0.contains("truncated") })
        #expect(problems("tuning").contains { $0.contains(foreign.path) && $0.contains("'entries'") })
        #expect(problems("simulation").contains { $0.contains("missing.json") && $0.contains("no such file") })
        // The journal and the profile still give their charts; the profile's roofline has no ceilings.
        let tuning = doc.sections.first { $0.id == "tuning" }
        #expect(tuning?.figures.count == 2)
        #expect(doc.sections.first { $0.id == "profile" }?.figures.count == 3)
        // The export-rule charts do not need the simulation file.
        #expect(doc.sections.first { $0.id == "simulation" }?.figures.count == 2)
    }

    @Test func aTornJournalLineIsSkippedAndNamed() throws {
        let dir = try ReportFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var text = try String(contentsOfFile: ReportFixtures.path("tuned.journal.jsonl"), encoding: .utf8)
        let lines = text.split(separator: "\n").count
        text += #"{"type":"candidate","kernel":"matmul","sha"#
        let path = dir.appendingPathComponent("torn.journal.jsonl").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let (_, candidates, skipped, _) = try TuningData.readJournal(path)
        #expect(candidates.count == lines - 1)
        #expect(skipped == ["line \(lines + 1): not valid JSON (truncated?)"])
    }

    @Test func textFromFilesIsEscaped() throws {
        let dir = try ReportFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hostile = #"<script>alert("x")</script>&amp;' onload='x"#
        let record: [String: Any] = ["model_filename": hostile, "n_threads": 2, "n_prompt": 0, "n_gen": 16,
                                     "avg_ts": 50.0, "stddev_ts": 1.0,
                                     "ktune": ["config": "\"/><img src=x>", "ops": [["op": "<b>op</b>", "share": 1.0, "gflops": 2.0, "gbps": 1.0]]]]
        let path = dir.appendingPathComponent("profile.json")
        try JSONSerialization.data(withJSONObject: [record]).write(to: path)
        var inputs = ReportInputs()
        inputs.profile = path.path
        let html = ReportBuilder.document(inputs, rules: .absent).html()
        #expect(!html.contains("<script"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("<b>op"))
        #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;amp;&#39; onload=&#39;x"))
    }

    @Test func nonFiniteAndOutOfRangeNumbersNeverReachAChart() throws {
        let dir = try ReportFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("profile.jsonl")
        try Data("""
            {"model_filename":"m","n_threads":1,"n_gen":8,"avg_ts":"nan","stddev_ts":1}
            {"model_filename":"m","n_threads":1,"n_gen":8,"avg_ts":1e400,"stddev_ts":1}
            {"model_filename":"m","n_threads":1,"n_gen":8,"avg_ts":12.5,"stddev_ts":-3}
            {"model_filename":"m","n_threads":1,"n_gen":8,"avg_ts":12.5,"stddev_ts":0.5}
            """.utf8).write(to: path)
        let p = try ProfileData.read(path.path)
        #expect(p.records.count == 1)
        #expect(p.records[0].stddev == 0.5)
        #expect(p.skipped.count == 3)
        #expect(p.skipped.contains("record 3: field 'stddev_ts' is -3, expected a finite value ≥ 0"), "\(p.skipped)")
        let svg = ProfileSection.throughput(p).chart.svg().render()
        #expect(!svg.contains("nan") && !svg.contains("inf"))
    }

    /// Negative, infinite or not-a-number times and rates in journals, configs and profiles are not
    /// results: each is left out and named (file, line or entry, field, value), never drawn or printed.
    @Test func negativeAndNonFiniteResultsAreRefusedNamingTheField() throws {
        let dir = try ReportFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let journal = dir.appendingPathComponent("j.jsonl").path
        try """
            {"type":"header","fingerprint":"f","strategy":"exhaustive"}
            {"kernel":"matmul","shape":"8x8x8","result":{"params":{"mr":4},"outcome":"ok","gflops":{"median":-5}}}
            {"kernel":"matmul","shape":"8x8x8","result":{"params":{"mr":4},"outcome":"ok","gflops":{"median":"inf"}}}
            {"kernel":"matmul","shape":"8x8x8","result":{"params":{"mr":8},"outcome":"ok","gflops":{"median":3.5}}}
            """.write(toFile: journal, atomically: true, encoding: .utf8)
        let (_, candidates, skipped, _) = try TuningData.readJournal(journal)
        #expect(candidates.map(\.gflops) == [3.5])
        #expect(skipped == ["line 2: field 'result.gflops.median' is -5, expected a finite GFLOP/s ≥ 0",
                            "line 3: field 'result.gflops.median' is inf, expected a finite GFLOP/s ≥ 0"])

        let config = dir.appendingPathComponent("c.json").path
        try """
            {"machine":{"fingerprint":"f"},"entries":[
              {"kernel":"matmul","shape":"8x8x8","params":{},"measured":{"median":4},"baseline":{"gflops":{"median":0}},"speedup":"inf"},
              {"kernel":"matmul","shape":"16x8x8","params":{},"measured":{"median":4},"baseline":{"gflops":{"median":2}},"speedup":-2},
              {"kernel":"matmul","shape":"32x8x8","params":{},"measured":{"median":4},"baseline":{"gflops":{"median":2}},"speedup":2}],
             "endToEnd":{"speedup":-1}}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let (_, winners, e2e, notes) = try TuningData.readConfig(config)
        #expect(winners.map(\.shape) == ["32x8x8"])
        #expect(e2e.isEmpty)
        #expect(notes.contains { $0.contains("entry 0 (matmul 8x8x8): field 'baseline.gflops.median' is 0.0") && $0.contains("entry 1 (matmul 16x8x8): field 'speedup' is -2") }, "\(notes)")

        let profile = dir.appendingPathComponent("p.jsonl").path
        try """
            {"model_filename":"m","n_threads":-1,"n_gen":8,"avg_ts":10,"stddev_ts":1}
            {"model_filename":"m","n_threads":1,"n_gen":8,"avg_ts":10,"stddev_ts":1,"ktune":{"ops":[{"op":"matmul","total_ns":-100,"share":0.5},{"op":"norm","total_ns":100,"share":0.1}]}}
            """.write(toFile: profile, atomically: true, encoding: .utf8)
        let p = try ProfileData.read(profile)
        #expect(p.records.count == 1)
        #expect(p.records.first?.ops.map(\.op) == ["norm"])
        #expect(p.skipped == ["record 1: field 'n_threads' is -1, expected a whole number ≥ 1",
                              "record 2: op 'matmul' field 'total_ns' is -100, expected a finite value ≥ 0; op not shown"])
    }

    @Test func defaultLocationsFindTheJournalAndTheConfigBesideIt() throws {
        let dir = try ReportFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fm = FileManager.default
        for name in ["probe.json", "simulate.json", "profile.json"] {
            try fm.copyItem(atPath: ReportFixtures.path(name), toPath: dir.appendingPathComponent(name).path)
        }
        try fm.copyItem(atPath: ReportFixtures.path("tuned.journal.jsonl"), toPath: dir.appendingPathComponent("x.journal.jsonl").path)
        try fm.copyItem(atPath: ReportFixtures.path("tuned.json"), toPath: dir.appendingPathComponent("x.json").path)
        let found = ReportInputs().locatingDefaults(outDirectory: dir.path, tunedDirectory: nil)
        #expect(found.probe == dir.appendingPathComponent("probe.json").path)
        #expect(found.journal == dir.appendingPathComponent("x.journal.jsonl").path)
        #expect(found.config == dir.appendingPathComponent("x.json").path)
        #expect(found.profile == dir.appendingPathComponent("profile.json").path)
        #expect(found.simulate == dir.appendingPathComponent("simulate.json").path)
        #expect(ReportInputs(probe: "given.json").locatingDefaults(outDirectory: dir.path, tunedDirectory: nil).probe == "given.json")
    }

    @Test func thePageLoadsNothingFromElsewhere() {
        let html = ReportFixtures.document().html()
        #expect(!html.contains("<script"))
        #expect(!html.contains("<link"))
        #expect(!html.contains("url("))
        #expect(!html.contains("@import"))
        #expect(!html.contains("src="))
        // The only address is the SVG namespace, which browsers never fetch.
        let addresses = html.components(separatedBy: "http").count - 1
        let namespaces = html.components(separatedBy: "xmlns=\"http://www.w3.org/2000/svg\"").count - 1
        #expect(addresses == namespaces)
    }
}

@Suite struct ScaleTests {
    @Test func logScalesSpanWholeDecadesWithPowerOfTenTicks() {
        let s = Scale.log(covering: [0.3, 420])
        #expect(s == .log(0.1...1000))
        #expect(s.ticks.map(\.label) == ["0.1", "1", "10", "100", "1k"])
        #expect(abs(s.fraction(10) - 0.5) < 1e-12)
    }

    @Test func linearScalesUseNiceStepsAndIncludeZeroForBars() {
        let s = Scale.linear(covering: [3, 87], includeZero: true)
        #expect(s == .linear(0...100))
        #expect(s.ticks.map(\.label) == ["0", "20", "40", "60", "80", "100"])
        #expect(Scale.linear(covering: [0.12, 0.31]).ticks.first?.label == "0.10")
    }

    @Test func bandScalesCentreTheirLabels() {
        let s = Scale.band(["a", "b"])
        #expect(s.ticks.map(\.value) == [0.5, 1.5])
        #expect(s.fraction(1) == 0.5)
    }

    @Test func numbersAreShortAndNeverNonFinite() {
        #expect(NumberFormat.short(1234) == "1.23k")
        #expect(NumberFormat.short(2e6) == "2M")
        #expect(NumberFormat.short(.nan) == "–")
        #expect(NumberFormat.bytes(49152) == "48 KiB")
    }
}
