/// The report as one self-contained HTML page: inline SVG charts and an inline style sheet; no script,
/// no font, image or link to anything outside the file, so it reads the same opened straight from disk.
public struct ReportDocument: Sendable {
    public var sections: [Section]
    /// When the page was written ("2026-12-01 22:40 UTC").
    public var generatedAt: String
    /// The inputs used, as (what, path or reason) for the page's header.
    public var inputs: [(String, String)]

    public init(sections: [Section], generatedAt: String, inputs: [(String, String)]) {
        self.sections = sections; self.generatedAt = generatedAt; self.inputs = inputs
    }

    public func html() -> String {
        let head: Markup = .el("head", [:], [
            .el("meta", ["charset": "utf-8"]),
            .el("meta", ["name": "viewport", "content": "width=device-width, initial-scale=1"]),
            .el("title", text: "ktune report — \(generatedAt)"),
            .el("style", [:], [.literal(Self.css)]),
        ])
        var body: [Markup] = [
            .el("header", [:], [
                .el("h1", text: "ktune report"),
                .el("p", ["class": "meta"], Self.inlineCode("Written \(generatedAt) by `ktune report`.")),
                .el("nav", [:], sections.map { .el("a", attrs: [("href", "#" + $0.id)], [.text($0.title)]) }),
                .el("table", ["class": "inputs"], inputs.map { .el("tr", [:], [.el("th", text: $0.0), .el("td", text: $0.1)]) }),
            ]),
        ]
        body += sections.map(Self.render)
        let doc: Markup = .el("html", ["lang": "en"], [head, .el("body", [:], [.el("main", [:], body)])])
        return "<!DOCTYPE html>\n" + doc.render() + "\n"
    }

    static func render(_ s: Section) -> Markup {
        var children: [Markup] = [.el("h2", text: s.title)]
        for b in s.blocks {
            switch b {
            case let .paragraph(t): children.append(.el("p", [:], inlineCode(t)))
            case let .facts(pairs):
                children.append(.el("dl", ["class": "facts"], pairs.flatMap { [Markup.el("dt", text: $0.0), .el("dd", text: $0.1)] }))
            case let .table(header, rows):
                children.append(.el("table", ["class": "data"], [.el("tr", [:], header.map { .el("th", text: $0) })]
                    + rows.map { .el("tr", [:], $0.map { .el("td", text: $0) }) }))
            case let .figure(f):
                children.append(.el("figure", [:], [f.chart.svg(), .el("figcaption", [:], inlineCode(f.caption))]))
            case let .problem(t):
                children.append(.el("p", ["class": "problem"], [.el("strong", text: "Cannot use this input: ")] + inlineCode(t)))
            case let .howTo(t, command):
                children.append(.el("div", ["class": "howto"], [.el("p", text: t), .el("pre", [:], [.el("code", text: command)])]))
            }
        }
        return .el("section", ["id": s.id, "class": "report-section"], children)
    }

    /// Text with `code` spans in backticks: every piece escaped, backticks turned into <code>.
    static func inlineCode(_ t: String) -> [Markup] {
        let parts = t.split(separator: "`", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 3 && parts.count % 2 == 1 else { return [.text(t)] }
        return parts.enumerated().compactMap { i, p in
            p.isEmpty ? nil : (i % 2 == 1 ? .el("code", text: p) : .text(p))
        }
    }

    static let css: StaticString = """
        :root { color-scheme: light; }
        body { margin: 0; background: #f6f7f9; color: #1d232a;
               font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", "Liberation Sans", sans-serif; }
        main { max-width: 840px; margin: 0 auto; padding: 24px 20px 60px; }
        h1 { font-size: 26px; margin: 8px 0 4px; }
        h2 { font-size: 20px; margin: 0 0 12px; padding-bottom: 6px; border-bottom: 1px solid #dde1e6; }
        .meta { color: #5a6570; margin: 0 0 8px; }
        nav a { margin-right: 14px; color: #0b5cad; text-decoration: none; font-weight: 600; }
        table.inputs { margin: 10px 0 0; font-size: 13px; color: #3b4650; border-collapse: collapse; }
        table.inputs th { text-align: left; padding: 1px 14px 1px 0; font-weight: 600; white-space: nowrap; vertical-align: top; }
        table.inputs td { word-break: break-all; }
        .report-section { background: #fff; border: 1px solid #e2e6ea; border-radius: 8px; padding: 18px 20px; margin: 22px 0; }
        figure { margin: 18px 0; }
        svg.chart { display: block; max-width: 100%; height: auto; }
        figcaption { font-size: 13px; color: #4d5863; margin-top: 4px; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 3px 16px; margin: 0 0 12px; }
        dl.facts dt { font-weight: 600; color: #3b4650; }
        dl.facts dd { margin: 0; word-break: break-word; }
        table.data { border-collapse: collapse; font-size: 14px; margin: 8px 0; }
        table.data th, table.data td { padding: 3px 14px 3px 0; text-align: left; border-bottom: 1px solid #eceff2; }
        code, pre { font-family: ui-monospace, "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 13px; }
        pre { background: #f1f3f5; padding: 8px 10px; border-radius: 6px; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
        .howto p { margin: 4px 0; color: #4d5863; }
        .problem { background: #fff4e5; border-left: 4px solid #d55e00; padding: 6px 10px; word-break: break-word; }
        """
}
