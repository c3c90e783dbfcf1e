import Foundation

/// The report's colours: a categorical palette that stays distinguishable for colour-blind readers
/// (Okabe–Ito), fixed colours for meanings used across charts, and a sequential ramp for heat maps.
public enum Palette {
    public static let series = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#7F3C8D", "#8C8C8C"]

    /// The `i`-th categorical colour (cycling).
    public static func series(_ i: Int) -> String { series[((i % series.count) + series.count) % series.count] }

    public static let baseline = "#9AA5B1"
    public static let tuned = "#0072B2"
    public static let noisy = "#D55E00"
    public static let compute = "#0072B2"
    public static let memory = "#E69F00"
    public static let communication = "#CC79A7"
    public static let other = "#8C8C8C"
    public static let controlled = "#D55E00"
    public static let allowed = "#009E73"

    /// Viridis-like stops, dark (low) to light (high).
    private static let ramp: [(Double, Double, Double)] = [
        (68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37),
    ]

    /// The ramp colour at `t` in 0…1 (clamped), as `#rrggbb`.
    public static func sequential(_ t: Double) -> String {
        let u = t.isFinite ? Swift.min(Swift.max(t, 0), 1) : 0
        let pos = u * Double(ramp.count - 1)
        let i = Swift.min(Int(pos), ramp.count - 2)
        let f = pos - Double(i)
        let a = ramp[i], b = ramp[i + 1]
        func c(_ x: Double, _ y: Double) -> Int { Int((x + (y - x) * f).rounded()) }
        return String(format: "#%02x%02x%02x", c(a.0, b.0), c(a.1, b.1), c(a.2, b.2))
    }
}
