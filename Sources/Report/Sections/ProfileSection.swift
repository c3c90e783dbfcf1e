import Foundation

/// End-to-end runs: tokens/s per config and thread count, where the time goes per op, and each kernel on
/// the machine's roofline.
public enum ProfileSection {
    public static let howTo = "ktune profile -o json > out/profile.json"

    public static func build(_ input: Input<ProfileData>, machine: MachineData?) -> Section {
        var blocks: [Section.Block] = []
        switch input {
        case .absent: blocks.append(.howTo("No profile records. To measure tokens/s and per-op time:", command: howTo))
        case let .unusable(reason): blocks.append(.problem(reason))
        case let .loaded(p):
            if !p.skipped.isEmpty {
                blocks.append(.paragraph("\(p.provenance.path): \(p.skipped.count) unreadable record(s) skipped — " + p.skipped.prefix(3).joined(separator: "; ")))
            }
            blocks.append(.figure(throughput(p)))
            if let s = opShares(p) { blocks.append(.figure(s)) }
            if let r = roofline(p, machine: machine) { blocks.append(.figure(r)) }
        }
        return Section(id: "profile", title: "Profile", blocks: blocks)
    }

    static func rowLabel(_ r: ProfileData.Record) -> String {
        "\(r.configLabel) · \(r.test) · \(r.threads) thr" + (r.disturbed ? " *" : "")
    }

    static func color(config: String, among configs: [String]) -> String {
        config == "default" ? Palette.baseline : Palette.series((configs.firstIndex(of: config) ?? 0))
    }

    /// Tokens per second, one row per record, ± one standard deviation.
    static func throughput(_ p: ProfileData) -> Section.Figure {
        let rs = p.records
        let configs = rs.map(\.configLabel).uniqued().filter { $0 != "default" }
        var marks: [Mark] = []
        for (i, r) in rs.enumerated() {
            let y = Double(i)
            marks.append(.rect(x: 0...r.tokensPerSecond, y: (y + 0.18)...(y + 0.82), fill: color(config: r.configLabel, among: configs),
                               opacity: r.disturbed ? 0.45 : 1,
                               title: "\(r.model) \(r.test), \(r.threads) threads, \(r.configLabel): \(NumberFormat.trim(r.tokensPerSecond, 4)) ± \(NumberFormat.trim(r.stddev, 3)) tokens/s"))
            if r.stddev > 0 {
                marks.append(.errorBar(at: y + 0.5, low: max(r.tokensPerSecond - r.stddev, 0), high: r.tokensPerSecond + r.stddev, horizontal: true))
            }
            marks.append(.label(x: r.tokensPerSecond + r.stddev, y: y + 0.5, text: NumberFormat.trim(r.tokensPerSecond, 3), dx: 6, dy: 4))
        }
        let maxX = (rs.map { $0.tokensPerSecond + $0.stddev }.max() ?? 1) * 1.1
        var legend = [LegendEntry("default", color: Palette.baseline)]
        legend += configs.map { LegendEntry($0, color: color(config: $0, among: configs)) }
        let models = Set(rs.map(\.model)).sorted()
        let chart = Chart(title: "Tokens per second" + (models.count == 1 ? " — \(models[0])" : ""),
                          x: Axis("Throughput (tokens/s; bar: ± 1 standard deviation)", .linear(covering: [0, maxX], includeZero: true)),
                          y: Axis("config · test · threads", .band(rs.map(rowLabel))), marks: marks, legend: legend,
                          height: max(200, 100 + 30 * Double(rs.count)))
        return .init(chart, caption: "llama-bench's fields: avg_ts ± stddev_ts per test (pp: prompt processing, tg: generation); faded and *: the machine was disturbed during the run. " + p.provenance.caption)
    }

    /// The ops that take the most time overall, in a fixed colour each; the rest are "other".
    static func topOps(_ p: ProfileData) -> [String] {
        var total: [String: Double] = [:]
        for r in p.records { for o in r.ops { total[o.op, default: 0] += o.share ?? 0 } }
        return total.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(7).map(\.key)
    }

    /// Per record, each op's share of the run's time as one stacked bar.
    static func opShares(_ p: ProfileData) -> Section.Figure? {
        let rs = p.records.filter { !$0.ops.isEmpty }
        guard !rs.isEmpty else { return nil }
        let top = topOps(p)
        var marks: [Mark] = []
        for (i, r) in rs.enumerated() {
            let total = r.ops.compactMap { $0.selfNs ?? $0.totalNs }.reduce(0, +)
            var shares: [(String, Double)] = r.ops.map { o in
                (o.op, o.share ?? (total > 0 ? (o.selfNs ?? o.totalNs ?? 0) / total : 0))
            }
            let other = shares.filter { !top.contains($0.0) }.map(\.1).reduce(0, +)
            shares = top.compactMap { name in shares.first { $0.0 == name } } + (other > 0 ? [("other", other)] : [])
            var x = 0.0
            for (name, s) in shares where s > 0 {
                let w = s * 100
                let color = name == "other" ? Palette.other : Palette.series(top.firstIndex(of: name) ?? 0)
                marks.append(.rect(x: x...(x + w), y: (Double(i) + 0.15)...(Double(i) + 0.85), fill: color,
                                   title: "\(name): \(NumberFormat.fixed(w, 1)) % of the time"))
                if w >= 7 { marks.append(.label(x: x + w / 2, y: Double(i) + 0.5, text: NumberFormat.fixed(w, 0) + "%", anchor: .middle, dy: 4, color: "#fff", bold: true)) }
                x += w
            }
        }
        var legend = top.enumerated().map { LegendEntry($0.element, color: Palette.series($0.offset)) }
        if rs.contains(where: { $0.ops.contains { !top.contains($0.op) } }) { legend.append(LegendEntry("other", color: Palette.other)) }
        let chart = Chart(title: "Where the time goes, per op",
                          x: Axis("Share of run time (%)", .linear(0...100)),
                          y: Axis("config · test · threads", .band(rs.map(rowLabel))), marks: marks, legend: legend,
                          height: max(200, 110 + 30 * Double(rs.count)))
        return .init(chart, caption: "Each op's self time as a share of the run (ktune.ops[].share). " + p.provenance.caption)
    }

    /// Each op with both a FLOP and a byte rate, placed on the machine's roofline: per config and test, the
    /// run on the most threads.
    static func roofline(_ p: ProfileData, machine: MachineData?) -> Section.Figure? {
        var chosen: [String: ProfileData.Record] = [:]
        var order: [String] = []
        for r in p.records where r.ops.contains(where: { $0.intensity != nil }) {
            let key = "\(r.configLabel) · \(r.test)"
            if chosen[key] == nil { order.append(key) }
            if let c = chosen[key], c.threads >= r.threads { continue }
            chosen[key] = r
        }
        guard !order.isEmpty else { return nil }
        let top = topOps(p)
        let symbols: [Mark.Symbol] = [.circle, .diamond, .square, .cross]
        var points: [Roofline.Point] = []
        var legend: [LegendEntry] = []
        var opsSeen: [String] = []
        for (ci, config) in order.enumerated() {
            guard let r = chosen[config] else { continue }
            let symbol = symbols[ci % symbols.count]
            legend.append(LegendEntry("\(config) · \(r.threads) thr", color: "#444", kind: .symbol(symbol)))
            for o in r.ops {
                guard let ai = o.intensity, let g = o.gflops else { continue }
                let color = top.firstIndex(of: o.op).map(Palette.series) ?? Palette.other
                if !opsSeen.contains(o.op) { opsSeen.append(o.op) }
                let bound = o.bound.map { ", \($0)-bound" } ?? ""
                let frac = o.fractionOfLimit.map { ", \(NumberFormat.fixed($0 * 100, 0)) % of its limit" } ?? ""
                points.append(.init(label: "\(o.op) [\(config)]\(bound)\(frac)", intensity: ai, gflops: g, color: color, symbol: symbol))
            }
        }
        legend += opsSeen.filter { top.contains($0) }.map { LegendEntry($0, color: Palette.series(top.firstIndex(of: $0) ?? 0)) }
        let chart = Roofline.chart(machine: machine, points: points, pointLegend: legend, title: "Kernels on the machine's roofline")
        let roofSource = machine.map { " Ceilings: " + $0.provenance.caption + "." } ?? " No probe file: ceilings not drawn."
        var mismatch = ""
        if let m = machine?.fingerprint, let f = p.provenance.fingerprint, m != f {
            mismatch = " Warning: the profile was taken on machine \(f), the probe describes \(m)."
        }
        return .init(chart, caption: "Each op at its measured GFLOP/s and FLOP per byte (ktune.ops[].gflops ÷ gbps)." + roofSource + mismatch + " Points: " + p.provenance.caption)
    }
}
