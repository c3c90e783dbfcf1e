import Foundation

/// Number formatting for ticks, labels and tables: short, locale-independent, never "inf" or "nan".
public enum NumberFormat {
    /// 1234 → "1.2k", 0.5 → "0.5", 2e6 → "2M"; non-finite → "–".
    public static func short(_ v: Double) -> String {
        guard v.isFinite else { return "–" }
        let a = abs(v)
        let units: [(Double, String)] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
        for (scale, suffix) in units where a >= scale { return trim(v / scale, 3) + suffix }
        if a == 0 { return "0" }
        if a < 0.001 { return String(format: "%.1e", v) }
        return trim(v, 3)
    }

    /// A linear tick label with as many decimals as the step needs.
    static func tick(_ v: Double, step: Double) -> String {
        if abs(v) >= 1e4 { return short(v) }
        let decimals = step >= 1 ? 0 : Int(Foundation.ceil(-Foundation.log10(step) - 1e-9))
        return String(format: "%.\(Swift.min(decimals, 6))f", v)
    }

    /// `v` with `significant` significant digits, trailing zeros removed.
    public static func trim(_ v: Double, _ significant: Int) -> String {
        guard v.isFinite else { return "–" }
        if v == 0 { return "0" }
        let magnitude = Int(Foundation.floor(Foundation.log10(abs(v))))
        let decimals = Swift.max(0, significant - 1 - magnitude)
        var s = String(format: "%.\(Swift.min(decimals, 8))f", v)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s
    }

    /// Fixed decimals, "–" when not finite.
    public static func fixed(_ v: Double?, _ decimals: Int) -> String {
        guard let v, v.isFinite else { return "–" }
        return String(format: "%.\(decimals)f", v)
    }

    /// Bytes in binary units: 49152 → "48 KiB".
    public static func bytes(_ b: Double?) -> String {
        guard let b, b.isFinite, b >= 0 else { return "unknown" }
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = b, i = 0
        while v >= 1024 && i < units.count - 1 { v /= 1024; i += 1 }
        return trim(v, 3) + " " + units[i]
    }
}
