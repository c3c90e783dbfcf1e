import Foundation
import Testing
@testable import Report

/// The report opened in a real browser (headless Chromium, Debian's `chromium`, installed by
/// scripts/setup.sh): it loads from disk with no console error, every chart has marks the browser laid
/// out with a size inside the chart, and a screenshot is taken (kept in $KTUNE_REPORT_SCREENSHOT when set,
/// for a person to look at).
@Suite(.serialized) struct BrowserTests {
    static var chromium: String? {
        for p in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
            where FileManager.default.isExecutableFile(atPath: p) { return p }
        return nil
    }

    /// Runs the browser with `arguments`, killing it after `timeout` seconds; returns stdout and stderr.
    static func run(_ arguments: [String], timeout: Double = 60) throws -> (out: String, err: String, status: Int32) {
        guard let exe = chromium else {
            throw BrowserError("no chromium found; scripts/setup.sh installs Debian's chromium package")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("ktune-chromium-\(UUID().uuidString)")
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                       "--disable-background-networking", "--disable-sync", "--user-data-dir=\(home.path)"] + arguments
        // Output goes to files (no pipe to fill up and block the browser).
        let outURL = home.appendingPathExtension("out"), errURL = home.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if p.isRunning { p.terminate(); p.waitUntilExit(); throw BrowserError("chromium did not finish within \(Int(timeout)) s") }
        p.waitUntilExit()
        try? out.close(); try? err.close()
        let outData = (try? Data(contentsOf: outURL)) ?? Data(), errData = (try? Data(contentsOf: errURL)) ?? Data()
        for u in [home, outURL, errURL] { try? FileManager.default.removeItem(at: u) }
        return (String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self), p.terminationStatus)
    }

    struct BrowserError: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    /// A script appended to a copy of the page (never to the report itself): per chart, the marks with a
    /// laid-out size, and those drawn outside the chart's box, written into the DOM for --dump-dom.
    static let check = """
        <script>
        (() => {
          const r = [...document.querySelectorAll('svg.chart')].map(svg => {
            const box = svg.viewBox.baseVal;
            let drawn = 0, outside = 0;
            for (const m of svg.querySelectorAll('.mark')) {
              const b = m.getBBox();
              if (b.width > 0 || b.height > 0) drawn++;
              if (b.x < -2 || b.y < -2 || b.x + b.width > box.width + 2 || b.y + b.height > box.height + 2) outside++;
            }
            return {title: svg.querySelector('title').textContent, drawn, outside};
          });
          const pre = document.createElement('pre');
          pre.id = 'ktune-check';
          pre.textContent = JSON.stringify(r);
          document.body.appendChild(pre);
        })();
        </script>
        """

    @Test func theReportRendersInChromiumWithEveryChartDrawn() throws {
        let dir = try ReportFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let doc = ReportFixtures.document()
        let html = doc.html()
        let page = dir.appendingPathComponent("report.html")
        try Data(html.utf8).write(to: page)
        let checked = dir.appendingPathComponent("check.html")
        try Data(html.replacingOccurrences(of: "</body>", with: Self.check + "</body>").utf8).write(to: checked)

        // 1. The page itself: a screenshot, and no console message or failed load.
        let shot = dir.appendingPathComponent("report.png")
        let r1 = try Self.run(["--enable-logging=stderr", "--v=0", "--hide-scrollbars", "--window-size=1000,9000",
                               "--screenshot=\(shot.path)", page.absoluteString])
        let consoleLines = r1.err.split(separator: "\n").filter { $0.contains("CONSOLE") || $0.contains("net::ERR") }
        #expect(consoleLines.isEmpty, "console: \(consoleLines.prefix(5))")
        let png = try Data(contentsOf: shot)
        #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "not a PNG")
        #expect(png.count > 50_000, "screenshot is \(png.count) bytes: an empty page?")
        if let keep = ProcessInfo.processInfo.environment["KTUNE_REPORT_SCREENSHOT"] {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(at: shot, to: URL(fileURLWithPath: keep))
        }

        // 2. The copy with the check script: every chart has laid-out marks, none outside its box.
        let r2 = try Self.run(["--dump-dom", checked.absoluteString])
        guard let start = r2.out.range(of: "<pre id=\"ktune-check\">"),
              let end = r2.out.range(of: "</pre>", range: start.upperBound..<r2.out.endIndex) else {
            Issue.record("no check output in the DOM (status \(r2.status)): \(r2.err.suffix(500))")
            return
        }
        let json = String(r2.out[start.upperBound..<end.lowerBound]).replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
        struct Drawn: Decodable { var title: String; var drawn: Int; var outside: Int }
        let charts = try JSONDecoder().decode([Drawn].self, from: Data(json.utf8))
        let expected = doc.sections.flatMap(\.figures).map(\.chart.title)
        #expect(charts.map(\.title) == expected)
        for c in charts {
            #expect(c.drawn > 0, "\(c.title): no mark was drawn")
            #expect(c.outside == 0, "\(c.title): \(c.outside) mark(s) drawn outside the chart")
        }
    }
}
