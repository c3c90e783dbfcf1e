import Foundation

/// The roofline: measured compute ceilings (one per SIMD width) and bandwidth ceilings (one per memory
/// level) on log–log axes of arithmetic intensity and throughput, with optional kernels placed on it.
public enum Roofline {
    /// A kernel placed on the roofline.
    public struct Point: Sendable, Equatable {
        public var label: String
        public var intensity: Double
        public var gflops: Double
        public var color: String
        public var symbol: Mark.Symbol
        public init(label: String, intensity: Double, gflops: Double, color: String, symbol: Mark.Symbol = .circle) {
            self.label = label; self.intensity = intensity; self.gflops = gflops; self.color = color; self.symbol = symbol
        }
    }

    static func widthName(_ lanes: String) -> String {
        switch lanes {
        case "16": return "16 lanes (AVX-512)"
        case "8": return "8 lanes (AVX2)"
        case "4": return "4 lanes (SSE/NEON)"
        case "1": return "scalar"
        default: return "\(lanes) lanes"
        }
    }

    public static func chart(machine: MachineData?, points: [Point] = [], pointLegend: [LegendEntry] = [],
                             title: String) -> Chart {
        let compute = machine?.computePeaks ?? []
        let bandwidth = machine?.bandwidthPeaks ?? []
        let top = compute.map(\.median).max()
        var xs: [Double] = [1.0 / 8, 64] + points.map(\.intensity)
        var ys: [Double] = compute.map(\.median) + points.map(\.gflops)
        if let top {
            for b in bandwidth where b.median > 0 { xs.append(top / b.median); ys.append(b.median / 8) }
        }
        if ys.isEmpty { ys = [1, 100] }
        let x = Scale.log(covering: xs), y = Scale.log(covering: ys)
        guard case let .log(xd) = x else { return Chart(title: title, x: Axis("", x), y: Axis("", y), marks: []) }
        var marks: [Mark] = []
        var legend: [LegendEntry] = []
        let computeColors = ["#0b3d91", "#2a6fdb", "#6aa6f0", "#9cc6f5"]
        for (i, c) in compute.sorted(by: { $0.median > $1.median }).enumerated() {
            let color = computeColors[min(i, computeColors.count - 1)]
            let label = "FMA \(widthName(c.name)): \(NumberFormat.short(c.median)) GFLOP/s" + (c.disturbed ? " (disturbed)" : "")
            marks.append(.line(points: [DataPoint(xd.lowerBound, c.median), DataPoint(xd.upperBound, c.median)],
                               stroke: color, width: 2, dashed: c.disturbed, title: label))
            legend.append(LegendEntry(label, color: color, kind: .line(dashed: c.disturbed)))
        }
        let bwColors = ["#E69F00", "#009E73", "#CC79A7", "#D55E00", "#8C8C8C"]
        for (i, b) in bandwidth.enumerated() where b.median > 0 {
            let color = bwColors[min(i, bwColors.count - 1)]
            let ridge = (top ?? y.domainUpper) / b.median
            let start = xd.lowerBound
            let label = "\(b.name) read: \(NumberFormat.short(b.median)) GB/s" + (b.disturbed ? " (disturbed)" : "")
            marks.append(.line(points: [DataPoint(start, b.median * start), DataPoint(min(ridge, xd.upperBound), b.median * min(ridge, xd.upperBound))],
                               stroke: color, width: 2, dashed: b.disturbed, title: label))
            legend.append(LegendEntry(label, color: color, kind: .line(dashed: b.disturbed)))
        }
        for p in points {
            marks.append(.points([DataPoint(p.intensity, p.gflops,
                                            title: "\(p.label): \(NumberFormat.short(p.gflops)) GFLOP/s at \(NumberFormat.trim(p.intensity, 3)) FLOP/byte")],
                                 fill: p.color, symbol: p.symbol, radius: 5))
        }
        legend += pointLegend
        return Chart(title: title, x: Axis("Arithmetic intensity (FLOP per byte read)", x),
                     y: Axis("Throughput (GFLOP/s)", y), marks: marks, legend: legend, height: 400)
    }
}

extension Scale {
    /// The upper end of the domain (band scales: the category count).
    var domainUpper: Double {
        switch self {
        case let .linear(d), let .log(d): return d.upperBound
        case let .band(c): return Double(c.count)
        }
    }
}
