import ArgumentParser
import Configs
import Foundation
import Report
import Simulator

/// `ktune report`: one self-contained HTML page with charts of everything ktune has measured here.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML page (inline SVG charts) of the probe, tuning, profile and simulations.",
        discussion: """
            Inputs not given are looked for at the default locations: out/probe.json, the newest \
            *.journal.jsonl in out/ or $KTUNE_HOME/tuned, the config beside it, out/profile.json(l), \
            out/simulate.json; export rules and GPUs come from the profiles directory. A section without \
            data says how to produce it; an unusable file is named with the reason, and the rest still renders.
            """)

    @Option(help: ArgumentHelp("Where to write the page.", valueName: "file.html")) var out: String = "out/report.html"
    @Option(help: ArgumentHelp("`ktune probe --json` output.", valueName: "file")) var probe: String?
    @Option(help: ArgumentHelp("Tuning journal (`ktune tune --journal`).", valueName: "file")) var journal: String?
    @Option(help: ArgumentHelp("Tuned config (`ktune tune --out`).", valueName: "file")) var config: String?
    @Option(help: ArgumentHelp("Profile records (`ktune profile -o json`), JSON array or JSON Lines.", valueName: "file"))
    var profile: String?
    @Option(help: ArgumentHelp("`ktune simulate compare|inference --json` output.", valueName: "file")) var simulate: String?
    @Option(help: "Profiles directory or repository root, for export rules and GPUs (default: ./profiles, $KTUNE_PROFILES, the source tree).")
    var profiles: String?

    func run() throws {
        let given = ReportInputs(probe: probe, journal: journal, config: config, profile: profile, simulate: simulate)
        let tunedDirectory = (TunedConfigLocation.home as NSString).appendingPathComponent("tuned")
        let inputs = given.locatingDefaults(tunedDirectory: tunedDirectory)
        let document = ReportBuilder.document(inputs, rules: ExportRulesData.read(HardwareCatalog(root: profiles)))
        let url = URL(fileURLWithPath: out)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(document.html().utf8).write(to: url, options: .atomic)
        } catch {
            throw ValidationError("cannot write the report to \(out): \(error.localizedDescription)")
        }
        let shown = document.sections.map { s in "\(s.title): \(s.figures.count) chart\(s.figures.count == 1 ? "" : "s")" }
        print("wrote \(out) (\(shown.joined(separator: ", ")))")
        print("open it in a browser: file://\(url.standardizedFileURL.path)")
    }
}
