import Foundation

/// How an axis maps data values to positions: linear, logarithmic (base 10), or categorical bands.
///
/// A band scale has the domain `0...n` for `n` categories: category `i` covers `[i, i+1)`, so bars and
/// cells are drawn as data-space rectangles like every other mark.
public enum Scale: Sendable, Equatable {
    case linear(ClosedRange<Double>)
    case log(ClosedRange<Double>)
    case band([String])

    /// A linear scale over the data, widened to "nice" tick steps (and to 0 when `includeZero`).
    public static func linear(covering values: [Double], includeZero: Bool = false) -> Scale {
        let finite = values.filter(\.isFinite)
        var lo = finite.min() ?? 0, hi = finite.max() ?? 1
        if includeZero { lo = min(lo, 0); hi = max(hi, 0) }
        if hi <= lo { hi = lo + (lo == 0 ? 1 : abs(lo) * 0.1) }
        let step = niceStep((hi - lo) / 5)
        return .linear((lo / step).rounded(.down) * step ... (hi / step).rounded(.up) * step)
    }

    /// A log scale over the positive values, widened to whole decades.
    public static func log(covering values: [Double]) -> Scale {
        let positive = values.filter { $0.isFinite && $0 > 0 }
        let lo = positive.min() ?? 1, hi = positive.max() ?? 10
        var a = Foundation.floor(Foundation.log10(lo)), b = Foundation.ceil(Foundation.log10(hi))
        if b <= a { b = a + 1 }
        if b - a < 1 { a -= 1 }
        return .log(Foundation.pow(10, a) ... Foundation.pow(10, b))
    }

    /// 1, 2 or 5 times a power of ten, the smallest not below `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let p = Foundation.pow(10, Foundation.floor(Foundation.log10(raw)))
        for m in [1.0, 2, 5, 10] where m * p >= raw * 0.999 { return m * p }
        return 10 * p
    }

    /// Where `value` lies in the domain, 0 at the start and 1 at the end (not clamped).
    public func fraction(_ value: Double) -> Double {
        switch self {
        case let .linear(d):
            return (value - d.lowerBound) / (d.upperBound - d.lowerBound)
        case let .log(d):
            let v = Swift.max(value, d.lowerBound * 1e-3)
            return (Foundation.log10(v) - Foundation.log10(d.lowerBound))
                / (Foundation.log10(d.upperBound) - Foundation.log10(d.lowerBound))
        case let .band(c):
            return value / Double(Swift.max(c.count, 1))
        }
    }

    /// Whether `value` can be drawn on this scale (finite; positive on a log scale).
    public func accepts(_ value: Double) -> Bool {
        if case .log = self { return value.isFinite && value > 0 }
        return value.isFinite
    }

    /// The tick marks: value and label.
    public var ticks: [(value: Double, label: String)] {
        switch self {
        case let .linear(d):
            let step = Self.niceStep((d.upperBound - d.lowerBound) / 5)
            var out: [(Double, String)] = []
            var v = (d.lowerBound / step).rounded(.up) * step
            // Bounded: a step too small to advance v (a tiny range far from 0) cannot loop forever.
            while v <= d.upperBound + step * 1e-9 && out.count < 40 {
                let clean = abs(v) < step * 1e-9 ? 0 : v
                out.append((clean, NumberFormat.tick(clean, step: step)))
                v += step
            }
            return out
        case let .log(d):
            let a = Int(Foundation.floor(Foundation.log10(d.lowerBound) + 1e-9))
            let b = Int(Foundation.ceil(Foundation.log10(d.upperBound) - 1e-9))
            let multiples: [Double] = b - a <= 2 ? [1, 2, 5] : [1]
            // Every decade up to 12 of them, then every k-th.
            let every = Swift.max(1, (b - a + 11) / 12)
            var out: [(Double, String)] = []
            for e in stride(from: a, through: b, by: every) {
                for m in multiples {
                    let v = m * Foundation.pow(10, Double(e))
                    if v >= d.lowerBound * 0.999 && v <= d.upperBound * 1.001 { out.append((v, NumberFormat.short(v))) }
                }
            }
            return out
        case let .band(c):
            return c.enumerated().map { (Double($0.offset) + 0.5, $0.element) }
        }
    }

    /// Minor ticks (log scales: 2…9 times each power of ten), drawn as faint grid lines.
    public var minorTicks: [Double] {
        guard case let .log(d) = self else { return [] }
        let a = Int(Foundation.floor(Foundation.log10(d.lowerBound) + 1e-9))
        let b = Int(Foundation.ceil(Foundation.log10(d.upperBound) - 1e-9))
        var out: [Double] = []
        guard b - a <= 12 else { return [] }
        for e in a..<b { for m in 2...9 { out.append(Double(m) * Foundation.pow(10, Double(e))) } }
        return out
    }
}
