import Foundation
import Testing
@testable import Report

/// Every chart of the report for the fixed inputs, compared byte for byte with Golden/*.svg.
/// After an intended change, regenerate with `KTUNE_UPDATE_GOLDEN=1 scripts/test.sh --filter GoldenSVGTests`
/// and review the diff (or open the .svg files).
@Suite struct GoldenSVGTests {
    static var charts: [(name: String, svg: String)] {
        ReportFixtures.document().sections.flatMap { s in
            s.figures.enumerated().map { ("\(s.id)-\($0.offset + 1)", $0.element.chart.svg().render()) }
        }
    }

    @Test func everySectionHasItsCharts() {
        let counts = ReportFixtures.document().sections.map { ($0.id, $0.figures.count) }
        #expect(counts.map(\.0) == ["machine", "tuning", "profile", "simulation"])
        // machine: roofline; tuning: bars, heat map, history; profile: tokens/s, op shares, roofline;
        // simulation: comparison, breakdown, one export chart per rule (2).
        #expect(counts.map(\.1) == [1, 3, 3, 4])
    }

    @Test func chartsMatchGoldenFiles() throws {
        let update = ProcessInfo.processInfo.environment["KTUNE_UPDATE_GOLDEN"] == "1"
        var names: [String] = []
        for (name, svg) in Self.charts {
            names.append(name)
            let url = ReportFixtures.golden.appendingPathComponent(name + ".svg")
            if update {
                try Data(svg.utf8).write(to: url, options: .atomic)
                continue
            }
            let expected = try String(contentsOf: url, encoding: .utf8)
            #expect(svg == expected, "\(name).svg differs from the golden file (KTUNE_UPDATE_GOLDEN=1 regenerates it)")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: ReportFixtures.golden.path).filter { $0.hasSuffix(".svg") }
        #expect(Set(files) == Set(names.map { $0 + ".svg" }), "golden files without a chart, or charts without a golden file")
    }

    @Test func everyChartHasTitleAxesWithUnitsAndASourcedCaption() {
        for s in ReportFixtures.document().sections {
            for f in s.figures {
                #expect(!f.chart.title.isEmpty)
                #expect(f.caption.contains("Source: "), "\(f.chart.title): caption does not name its source")
                for axis in [f.chart.x, f.chart.y] {
                    if case .band = axis.scale { #expect(!axis.label.isEmpty); continue }
                    #expect(axis.label.contains("("), "\(f.chart.title): axis '\(axis.label)' has no unit")
                }
                let svg = f.chart.svg().render()
                #expect(svg.contains("class=\"mark\""), "\(f.chart.title): no marks")
            }
        }
    }

    @Test func captionsNameFileDateAndMachine() {
        let machine = ReportFixtures.document().sections[0].figures[0]
        #expect(machine.caption.contains("probe.json"))
        #expect(machine.caption.contains("UTC") || machine.caption.contains("T"))
        #expect(machine.caption.contains("machine "))
    }
}
