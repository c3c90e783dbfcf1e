import Foundation
import Simulator
@testable import Report

/// The fixed inputs the golden and browser tests render: real `ktune` outputs under Fixtures/ (probe,
/// journal, config, simulate), a profile file in `ktune profile -o json`'s schema, and a copy of some GPU
/// and rule profiles (so a change to profiles/ does not move the golden files).
enum ReportFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let fixtures = directory.appendingPathComponent("Fixtures")
    static let golden = directory.appendingPathComponent("Golden")

    static func path(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    static var inputs: ReportInputs {
        ReportInputs(probe: path("probe.json"), journal: path("tuned.journal.jsonl"), config: path("tuned.json"),
                     profile: path("profile.json"), simulate: path("simulate.json"))
    }

    static var rules: Input<ExportRulesData> {
        ExportRulesData.read(HardwareCatalog(profiles: fixtures.appendingPathComponent("profiles")))
    }

    static let fixedDate = Date(timeIntervalSince1970: 1_796_000_000)

    static func document(_ inputs: ReportInputs = inputs) -> ReportDocument {
        ReportBuilder.document(inputs, rules: rules, now: fixedDate)
    }

    /// A fresh temporary directory for a test's files.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ktune-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
