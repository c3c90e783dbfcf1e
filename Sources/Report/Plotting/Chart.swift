import Foundation

/// One axis: what it shows (with its unit, e.g. "Throughput (GFLOP/s)") and its scale.
public struct Axis: Sendable, Equatable {
    public var label: String
    public var scale: Scale
    public init(_ label: String, _ scale: Scale) { self.label = label; self.scale = scale }
}

/// A chart: title, two axes, marks in data coordinates, a legend. `svg()` draws it; every chart of the
/// report goes through this one type, so they share margins, ticks, grid, fonts and legend layout.
public struct Chart: Sendable, Equatable {
    public var title: String
    public var x: Axis
    public var y: Axis
    public var marks: [Mark]
    public var legend: [LegendEntry]
    public var colorBar: ColorBar?
    /// Size of the whole SVG in pixels (the plot area is what is left after margins).
    public var width: Double
    public var height: Double

    public init(title: String, x: Axis, y: Axis, marks: [Mark], legend: [LegendEntry] = [], colorBar: ColorBar? = nil,
                width: Double = 760, height: Double = 360) {
        self.title = title; self.x = x; self.y = y; self.marks = marks; self.legend = legend
        self.colorBar = colorBar; self.width = width; self.height = height
    }

    /// Rough width of `text` at `size` px in the page's sans-serif font (for layout only).
    static func textWidth(_ text: String, size: Double) -> Double { Double(text.count) * size * 0.6 }

    /// `text` cut to at most `limit` pixels at `size`, with an ellipsis.
    static func fit(_ text: String, width limit: Double, size: Double) -> String {
        let maxChars = Swift.max(4, Int(limit / (size * 0.6)))
        return text.count <= maxChars ? text : String(text.prefix(maxChars - 1)) + "…"
    }

    /// The plot area after margins: left, top, width, height.
    struct Frame { var left, top, width, height: Double }

    /// Legend layout: one entry per slot, wrapped in rows across the chart's width.
    func legendRows() -> [[(entry: LegendEntry, x: Double)]] {
        var rows: [[(LegendEntry, Double)]] = [[]]
        var cursor = 0.0
        let available = width - 24
        for e in legend {
            let w = 22 + Self.textWidth(e.label, size: 12) + 18
            if cursor + w > available && !rows[rows.count - 1].isEmpty { rows.append([]); cursor = 0 }
            rows[rows.count - 1].append((e, cursor))
            cursor += w
        }
        return rows.filter { !$0.isEmpty }.map { $0.map { (entry: $0.0, x: $0.1) } }
    }

    func frame() -> Frame {
        let legendHeight = Double(legendRows().count) * 18 + (colorBar == nil ? 0 : 22)
        let bandY: Bool = { if case .band = y.scale { return true }; return false }()
        let top = 34 + legendHeight + 8 + (bandY ? 16 : 0)
        let yLabelWidth = y.scale.ticks.map { Self.textWidth($0.label, size: 11) }.max() ?? 20
        let left = Swift.min(Swift.max(yLabelWidth, 24), 270) + (bandY ? 14 : 34)
        let xTicks = x.scale.ticks
        let bottom = 50.0 + (rotatedXLabels ? Swift.min(xTicks.map { Self.textWidth($0.label, size: 11) }.max() ?? 0, 150) * 0.5 : 0)
        return Frame(left: left, top: top, width: width - left - 22, height: height - top - bottom)
    }

    /// Category labels on a band x axis are slanted when they do not fit their band.
    var rotatedXLabels: Bool {
        guard case let .band(c) = x.scale, !c.isEmpty else { return false }
        let band = (width - 120) / Double(c.count)
        return c.contains { Self.textWidth($0, size: 11) > band - 4 }
    }
}

extension Array where Element: Hashable {
    /// The elements in order, each once.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
