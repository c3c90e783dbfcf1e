/// Something drawn in a chart's plot area, in data coordinates (a band scale's category `i` spans `i…i+1`).
///
/// Every mark is rendered with the class `mark` (what the browser check counts), and `title` becomes a
/// hover tooltip.
public enum Mark: Sendable, Equatable {
    /// A filled rectangle: bars, stacked segments, heat-map cells, shaded regions.
    case rect(x: ClosedRange<Double>, y: ClosedRange<Double>, fill: String, opacity: Double = 1, title: String? = nil)
    /// A polyline through the points, in order.
    case line(points: [DataPoint], stroke: String, width: Double = 2, dashed: Bool = false, title: String? = nil)
    /// One symbol per point.
    case points([DataPoint], fill: String, symbol: Symbol = .circle, radius: Double = 4)
    /// An error bar from `low` to `high` at `at` (vertical bars: `at` is x; horizontal: `at` is y).
    case errorBar(at: Double, low: Double, high: Double, horizontal: Bool = false, stroke: String = "#222", title: String? = nil)
    /// A text label at a data point, shifted by `dx`, `dy` pixels.
    case label(x: Double, y: Double, text: String, anchor: Anchor = .start, dx: Double = 0, dy: Double = 0,
               color: String = "#222", bold: Bool = false)
    /// A label for the point at (`x`, `y`), placed beside it where it overlaps no other point label and
    /// no point (up-right, up-left, down-right, down-left, then further out).
    case pointLabel(x: Double, y: Double, text: String)
    /// A reference line across the whole plot at `value` of the x axis (`vertical`) or the y axis.
    case rule(value: Double, vertical: Bool, stroke: String, dashed: Bool = true, label: String? = nil)

    public enum Symbol: String, Sendable, Equatable { case circle, cross, square, diamond }
    public enum Anchor: String, Sendable, Equatable { case start, middle, end }
}

/// A point with an optional tooltip.
public struct DataPoint: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var title: String?
    public init(_ x: Double, _ y: Double, title: String? = nil) { self.x = x; self.y = y; self.title = title }
}

/// One legend entry: a swatch, line or symbol in a colour, and its label.
public struct LegendEntry: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case swatch, line(dashed: Bool), symbol(Mark.Symbol) }
    public var label: String
    public var color: String
    public var kind: Kind
    public init(_ label: String, color: String, kind: Kind = .swatch) {
        self.label = label; self.color = color; self.kind = kind
    }
}

/// A continuous colour legend (heat maps): the gradient from `domain`'s low to high end.
public struct ColorBar: Sendable, Equatable {
    public var label: String
    public var domain: ClosedRange<Double>
    public init(label: String, domain: ClosedRange<Double>) { self.label = label; self.domain = domain }
}
