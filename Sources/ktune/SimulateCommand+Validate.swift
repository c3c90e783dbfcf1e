import ArgumentParser
import Foundation
import Models
import Report
import Simulator

/// `ktune simulate validate`: runs the validation table (profiles/validation) through the calibrated
/// laws and prints each case's error and the mean absolute percentage error.
struct SimulateValidate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check the simulator against published component and training measurements (profiles/validation).",
        discussion: """
        Each case: inputs, the published value, its source and a tolerance. 'calibration' cases are points a
        law was fitted to (their error is the fit's residual); 'held-out' cases were not used by any fit.
        Exits with status 1 when a case is outside its tolerance.
        """)

    @OptionGroup var hardware: HardwareOptions
    @Option(help: "Validation table id (profiles/validation).") var table: String = "components"
    @Flag(help: "Print JSON.") var json = false

    struct Report: Encodable {
        var table: String
        var calibration: String
        var cases: [ValidationResult]
        var mape: Double
        var mapeHeldOut: Double
        var outsideTolerance: Int
    }

    func run() throws {
        let (text, failures) = try output()
        print(text)
        if failures > 0 { throw ExitCode.failure }
    }

    /// What `run` prints, and how many cases fell outside their tolerance.
    func output() throws -> (String, Int) {
        let catalog = hardware.catalog
        let t = try wrap { () throws(ProfileError) in try catalog.validationTable(table) }
        let calibration = try hardware.loadCalibration()
        let results = try wrap { () throws(SimulatorError) in try Validation.run(t, catalog: catalog, calibration: calibration) }
        let held = results.filter { $0.use == "held-out" }
        let failures = results.filter { !$0.withinTolerance }.count
        let report = Report(table: t.id, calibration: calibration.id, cases: results, mape: Validation.mape(results),
                            mapeHeldOut: Validation.mape(held), outsideTolerance: failures)
        if json { return (try jsonText(report), failures) }
        let rows = results.map { r in
            [r.id, r.metric, fmtValue(r.published), fmtValue(r.predicted), String(format: "%+.1f%%", r.error * 100),
             String(format: "±%.0f%%", r.tolerance * 100), r.withinTolerance ? "ok" : "OUTSIDE", r.use]
        }
        var lines = ["validation table \(t.id), calibration \(calibration.id)",
                     TextTable(header: ["case", "metric", "published", "simulated", "error", "tolerance", "", "use"], rows: rows).render()]
        lines.append(String(format: "MAPE %.1f%% over %d cases (held-out %.1f%% over %d; calibration %.1f%% over %d); %d outside tolerance",
                            report.mape * 100, results.count, report.mapeHeldOut * 100, held.count,
                            Validation.mape(results.filter { $0.use == "calibration" }) * 100, results.count - held.count,
                            failures))
        return (lines.joined(separator: "\n"), failures)
    }

    func fmtValue(_ v: Double) -> String { v >= 1000 ? String(format: "%.0f", v) : String(format: "%.1f", v) }
}
