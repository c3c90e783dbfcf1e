/// A plain aligned text table for terminal output: numbers right-aligned, text left-aligned.
public struct TextTable: Sendable {
    public var header: [String]
    public var rows: [[String]]

    public init(header: [String], rows: [[String]] = []) {
        self.header = header
        self.rows = rows
    }

    public mutating func append(_ row: [String]) { rows.append(row) }

    /// The table as lines separated by newlines, with a rule under the header.
    public func render() -> String {
        let all = [header] + rows
        let cols = all.map(\.count).max() ?? 0
        var width = [Int](repeating: 0, count: cols)
        for r in all { for (i, c) in r.enumerated() { width[i] = max(width[i], c.count) } }
        func isNumeric(_ s: String) -> Bool {
            guard let f = s.first else { return false }
            return f.isNumber || f == "-" || f == "+" || f == "."
        }
        func line(_ r: [String]) -> String {
            var out: [String] = []
            for i in 0..<cols {
                let c = i < r.count ? r[i] : ""
                let pad = String(repeating: " ", count: width[i] - c.count)
                out.append(isNumeric(c) ? pad + c : c + pad)
            }
            var s = out.joined(separator: "  ")
            while s.last == " " { s.removeLast() }
            return s
        }
        var lines = [line(header), width.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        lines += rows.map(line)
        return lines.joined(separator: "\n")
    }
}
