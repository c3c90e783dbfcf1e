/// Order statistics of repeated measurements: what every figure ktune prints is made of.
///
/// Medians resist the noisy-neighbour outliers of shared machines; min and max show the spread.
public struct Summary: Codable, Sendable, Equatable, CustomStringConvertible {
    public var median: Double
    public var min: Double
    public var max: Double
    /// 20th and 80th percentiles (Triton reports the same pair).
    public var p20: Double
    public var p80: Double
    public var count: Int

    /// Summarizes `samples`; an empty array gives all-NaN and count 0.
    public init(_ samples: [Double]) {
        let s = samples.filter { !$0.isNaN }.sorted()
        count = s.count
        guard !s.isEmpty else { median = .nan; min = .nan; max = .nan; p20 = .nan; p80 = .nan; return }
        min = s[0]
        max = s[s.count - 1]
        median = Self.quantile(s, 0.5)
        p20 = Self.quantile(s, 0.2)
        p80 = Self.quantile(s, 0.8)
    }

    public init(median: Double, min: Double, max: Double, p20: Double? = nil, p80: Double? = nil, count: Int) {
        self.median = median; self.min = min; self.max = max
        self.p20 = p20 ?? min; self.p80 = p80 ?? max; self.count = count
    }

    /// (p80 − p20) / median: the relative spread used to decide when to stop repeating.
    public var relativeSpread: Double { median > 0 ? (p80 - p20) / median : .infinity }

    /// Linear-interpolated quantile of sorted data.
    public static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        precondition(!sorted.isEmpty)
        let pos = q * Double(sorted.count - 1)
        let lo = Int(pos.rounded(.down)), hi = Swift.min(lo + 1, sorted.count - 1)
        let f = pos - Double(lo)
        return sorted[lo] * (1 - f) + sorted[hi] * f
    }

    /// Maps each statistic through `f` (e.g. seconds → GFLOP/s; a decreasing `f` swaps min and max).
    public func map(_ f: (Double) -> Double) -> Summary {
        let a = f(min), b = f(max), c = f(p20), d = f(p80)
        return Summary(median: f(median), min: Swift.min(a, b), max: Swift.max(a, b),
                       p20: Swift.min(c, d), p80: Swift.max(c, d), count: count)
    }

    /// "median (min–max)" with `digits` decimals.
    public func formatted(digits: Int = 1) -> String {
        "\(Self.fmt(median, digits)) (\(Self.fmt(min, digits))–\(Self.fmt(max, digits)))"
    }

    public var description: String { formatted() }

    static func fmt(_ x: Double, _ digits: Int) -> String {
        guard x.isFinite else { return "\(x)" }
        var p = 1.0
        for _ in 0..<digits { p *= 10 }
        let r = (x * p).rounded() / p
        var s = "\(r)"
        if digits == 0, s.hasSuffix(".0") { s.removeLast(2) }
        return s
    }
}
