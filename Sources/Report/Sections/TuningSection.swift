import Foundation

/// The tuning run: chosen vs default per kernel and shape, the sweep over two parameters, and the search
/// over time.
public enum TuningSection {
    public static let howTo = "ktune tune --out out/tuned.json --journal out/tuned.journal.jsonl"

    public static func build(journal: Input<TuningData>, config: Input<TuningData>) -> Section {
        var blocks: [Section.Block] = []
        if case .absent = config, case .absent = journal {
            blocks.append(.howTo("No tuned config or tuning journal. To tune this machine's kernels (default vs tuned, the sweep, the search history):",
                                 command: howTo))
            return Section(id: "tuning", title: "Tuning", blocks: blocks)
        }
        switch config {
        case .absent: blocks.append(.howTo("No tuned config, so no default-vs-tuned comparison:", command: howTo))
        case let .unusable(reason): blocks.append(.problem(reason))
        case let .loaded(c):
            if c.winners.isEmpty {
                blocks.append(.paragraph("The tuned config has no entries."))
            } else {
                blocks.append(.figure(speedups(c)))
                if let e = endToEnd(c) { blocks.append(.figure(e)) }
                for note in c.endToEndNotes { blocks.append(.paragraph(note)) }
                if c.endToEnd.isEmpty {
                    blocks.append(.paragraph("This config records no end-to-end speedup; `ktune generate --stats` with and without `--config` compares whole runs."))
                }
            }
        }
        switch journal {
        case .absent: blocks.append(.howTo("No tuning journal, so no sweep or search history:", command: howTo))
        case let .unusable(reason): blocks.append(.problem(reason))
        case let .loaded(j):
            if !j.skipped.isEmpty {
                blocks.append(.paragraph("\(j.journal?.path ?? "journal"): \(j.skipped.count) unreadable line(s) skipped — " + j.skipped.prefix(3).joined(separator: "; ")))
            }
            if let h = heatMap(j) { blocks.append(.figure(h)) }
            if let t = history(j) { blocks.append(.figure(t)) } else {
                blocks.append(.paragraph("The journal has no successfully measured candidate."))
            }
        }
        return Section(id: "tuning", title: "Tuning", blocks: blocks)
    }

    /// Default vs tuned GFLOP/s per kernel and shape, min–max as error bars, the speedup written beside.
    static func speedups(_ c: TuningData) -> Section.Figure {
        let w = c.winners
        let rows = w.map { $0.key + ($0.condition.map { " (\($0))" } ?? "") }
        var marks: [Mark] = []
        for (i, e) in w.enumerated() {
            let y = Double(i)
            marks.append(.rect(x: 0...e.baseline, y: (y + 0.12)...(y + 0.48), fill: Palette.baseline,
                               title: "\(e.key) default: \(NumberFormat.short(e.baseline)) GFLOP/s"))
            marks.append(.rect(x: 0...e.tuned, y: (y + 0.52)...(y + 0.88), fill: Palette.tuned,
                               title: "\(e.key) tuned: \(NumberFormat.short(e.tuned)) GFLOP/s " + e.params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")))
            if let r = e.baselineRange { marks.append(.errorBar(at: y + 0.3, low: r.lowerBound, high: r.upperBound, horizontal: true)) }
            if let r = e.tunedRange { marks.append(.errorBar(at: y + 0.7, low: r.lowerBound, high: r.upperBound, horizontal: true)) }
            let s = e.speedup ?? (e.baseline > 0 ? e.tuned / e.baseline : 1)
            let end = max(e.tuned, e.tunedRange?.upperBound ?? 0, e.baselineRange?.upperBound ?? 0, e.baseline)
            marks.append(.label(x: end, y: y + 0.5, text: "×" + NumberFormat.fixed(s, 2), dx: 8, dy: 4,
                                color: s > 1.02 ? "#0b5d1e" : "#444", bold: s > 1.02))
        }
        // Room on the right for the speedup labels.
        let maxX = (w.map { max($0.tuned, $0.baseline, $0.tunedRange?.upperBound ?? 0) }.max() ?? 1) * 1.12
        let chart = Chart(title: "Default vs tuned kernels", x: Axis("Throughput (GFLOP/s, median; bars: min–max)", .linear(covering: [0, maxX], includeZero: true)),
                          y: Axis("kernel and shape", .band(rows)), marks: marks,
                          legend: [LegendEntry("analytical default", color: Palette.baseline), LegendEntry("tuned", color: Palette.tuned)],
                          height: max(200, 90 + 34 * Double(w.count)))
        var caption = "Each tuned choice timed head to head with the analytical default (interleaved rounds); ×N is tuned ÷ default."
        if !c.endToEnd.isEmpty {
            caption += " End to end: " + c.endToEnd.map { "\($0.label) ×\(NumberFormat.fixed($0.speedup, 2))" }.joined(separator: ", ") + "."
        }
        return .init(chart, caption: caption + " " + (c.config?.caption ?? ""))
    }

    /// Whole-model tokens/s with the default and the tuned plan per phase, speedup beside.
    static func endToEnd(_ c: TuningData) -> Section.Figure? {
        let phases = c.endToEnd.filter { $0.defaultTokensPerSecond != nil && $0.tunedTokensPerSecond != nil }
        guard !phases.isEmpty else { return nil }
        var marks: [Mark] = []
        for (i, p) in phases.enumerated() {
            let y = Double(i), d = p.defaultTokensPerSecond ?? 0, t = p.tunedTokensPerSecond ?? 0
            marks.append(.rect(x: 0...d, y: (y + 0.12)...(y + 0.48), fill: Palette.baseline, title: "\(p.label) default: \(NumberFormat.trim(d, 4)) tokens/s"))
            marks.append(.rect(x: 0...t, y: (y + 0.52)...(y + 0.88), fill: Palette.tuned, title: "\(p.label) tuned: \(NumberFormat.trim(t, 4)) tokens/s"))
            marks.append(.label(x: max(d, t), y: y + 0.5, text: "×" + NumberFormat.fixed(p.speedup, 2), dx: 8, dy: 4,
                                color: p.speedup > 1.02 ? "#0b5d1e" : "#444", bold: p.speedup > 1.02))
        }
        let maxX = (phases.map { max($0.defaultTokensPerSecond ?? 0, $0.tunedTokensPerSecond ?? 0) }.max() ?? 1) * 1.15
        let chart = Chart(title: "End to end: default vs tuned plan",
                          x: Axis("Throughput (tokens/s, median over rounds)", .linear(covering: [0, maxX], includeZero: true)),
                          y: Axis("phase", .band(phases.map(\.label))), marks: marks,
                          legend: [LegendEntry("analytical default", color: Palette.baseline), LegendEntry("tuned", color: Palette.tuned)],
                          height: max(180, 90 + 34 * Double(phases.count)))
        return .init(chart, caption: "The whole model run with each plan, interleaved; ×N is the median over rounds of default time ÷ tuned time. " + (c.config?.caption ?? ""))
    }

    /// The kernel and shape with the most measured candidates, and the two parameters that matter most there
    /// (largest spread of the best GFLOP/s across their values), as a heat map of the best GFLOP/s per cell.
    static func heatMap(_ j: TuningData) -> Section.Figure? {
        let ok = j.candidates.filter { $0.outcome == "ok" && $0.gflops != nil }
        let byShape = Dictionary(grouping: ok, by: \.key)
        guard let (key, cands) = byShape.max(by: { ($0.value.count, $1.key) < ($1.value.count, $0.key) }), cands.count >= 4 else { return nil }
        let names = Set(cands.flatMap { $0.params.keys }).sorted()
        func spread(_ p: String) -> Double {
            var best: [Int: Double] = [:]
            for c in cands { if let v = c.params[p], let g = c.gflops { best[v] = max(best[v] ?? 0, g) } }
            guard best.count >= 2 else { return -1 }
            return (best.values.max() ?? 0) - (best.values.min() ?? 0)
        }
        let ranked = names.map { ($0, spread($0)) }.filter { $0.1 >= 0 }.sorted { ($0.1, $1.0) > ($1.1, $0.0) }
        guard ranked.count >= 2 else { return nil }
        let (px, py) = (ranked[0].0, ranked[1].0)
        let xs = Set(cands.compactMap { $0.params[px] }).sorted(), ys = Set(cands.compactMap { $0.params[py] }).sorted()
        var best: [String: (Double, Bool)] = [:]
        for c in cands {
            guard let a = c.params[px], let b = c.params[py], let g = c.gflops else { continue }
            let k = "\(a),\(b)"
            if (best[k]?.0 ?? -1) < g { best[k] = (g, c.noisy) }
        }
        let values = best.values.map(\.0)
        let lo = values.min() ?? 0, hi = values.max() ?? 1
        var marks: [Mark] = []
        for (i, a) in xs.enumerated() {
            for (k, b) in ys.enumerated() {
                guard let (g, noisy) = best["\(a),\(b)"] else {
                    marks.append(.rect(x: Double(i)...Double(i + 1), y: Double(k)...Double(k + 1), fill: "#eeeeee",
                                       title: "\(px)=\(a), \(py)=\(b): not measured"))
                    continue
                }
                let t = hi > lo ? (g - lo) / (hi - lo) : 1
                marks.append(.rect(x: (Double(i) + 0.02)...(Double(i) + 0.98), y: (Double(k) + 0.02)...(Double(k) + 0.98),
                                   fill: Palette.sequential(t), title: "\(px)=\(a), \(py)=\(b): best \(NumberFormat.short(g)) GFLOP/s" + (noisy ? " (noisy)" : "")))
                if xs.count * ys.count <= 64 {
                    marks.append(.label(x: Double(i) + 0.5, y: Double(k) + 0.5, text: NumberFormat.short(g) + (noisy ? "*" : ""),
                                        anchor: .middle, dy: 4, color: t > 0.6 ? "#111" : "#fff", bold: g == hi))
                }
            }
        }
        let chart = Chart(title: "Sweep of \(key): \(px) × \(py)",
                          x: Axis("\(px) (parameter value)", .band(xs.map(String.init))),
                          y: Axis("\(py) (parameter value)", .band(ys.map(String.init))), marks: marks,
                          colorBar: ColorBar(label: "best GFLOP/s", domain: lo...max(hi, lo + 1e-9)),
                          width: 760, height: max(260, 130 + 40 * Double(ys.count)))
        return .init(chart, caption: "The best GFLOP/s measured for each pair of values of the two parameters with the widest effect on \(key) (other parameters free; grey: not measured; * noisy). \(cands.count) measured candidates. " + (j.journal?.caption ?? ""))
    }

    /// Every measured candidate in journal order, with each shape's best-so-far as a step line.
    static func history(_ j: TuningData) -> Section.Figure? {
        let measured = j.candidates.enumerated().filter { $0.element.gflops != nil }
        guard !measured.isEmpty else { return nil }
        var order: [String] = []
        for c in j.candidates where c.gflops != nil && !order.contains(c.key) { order.append(c.key) }
        let shown = Array(order.prefix(7))
        var marks: [Mark] = []
        var legend: [LegendEntry] = []
        for (si, key) in order.enumerated() {
            let color = si < shown.count ? Palette.series(si) : Palette.other
            let pts = measured.filter { $0.element.key == key }
            var steps: [DataPoint] = []
            var best = 0.0
            for (n, c) in pts {
                guard let g = c.gflops, !c.noisy else { continue }
                if g > best {
                    if let last = steps.last { steps.append(DataPoint(Double(n + 1), last.y)) }
                    best = g
                    steps.append(DataPoint(Double(n + 1), g))
                }
            }
            if let last = steps.last, let end = pts.last { steps.append(DataPoint(Double(end.offset + 1), last.y)) }
            // A long sweep draws at most ~2000 dots per shape (every k-th); best-so-far uses every one.
            let clean = pts.filter { !$0.element.noisy }
            let every = max(1, clean.count / 2000)
            marks.append(.points(clean.enumerated().filter { $0.offset % every == 0 }.map(\.element).map {
                DataPoint(Double($0.offset + 1), $0.element.gflops ?? 0,
                          title: "#\($0.offset + 1) \(key): \(NumberFormat.short($0.element.gflops ?? 0)) GFLOP/s (rung \($0.element.rung))")
            }, fill: color, radius: 2.5))
            marks.append(.line(points: steps, stroke: color, width: 1.8, title: "\(key): best so far"))
            if si < shown.count { legend.append(LegendEntry(key, color: color, kind: .line(dashed: false))) }
        }
        if order.count > shown.count { legend.append(LegendEntry("\(order.count - shown.count) more shapes", color: Palette.other)) }
        let noisy = measured.filter { $0.element.noisy }
        if !noisy.isEmpty {
            marks.append(.points(noisy.map { DataPoint(Double($0.offset + 1), $0.element.gflops ?? 0, title: "#\($0.offset + 1) \($0.element.key): noisy") },
                                 fill: Palette.noisy, symbol: .cross, radius: 4))
            legend.append(LegendEntry("noisy (machine disturbed)", color: Palette.noisy, kind: .symbol(.cross)))
        }
        let failed = j.candidates.count - measured.count
        let ys = measured.compactMap { $0.element.gflops }
        let chart = Chart(title: "Search history: every evaluation, best so far per shape",
                          x: Axis("Evaluation (journal order)", .linear(covering: [0, Double(j.candidates.count)], includeZero: true)),
                          y: Axis("Throughput (GFLOP/s)", .log(covering: ys)), marks: marks, legend: legend)
        var caption = "Dots: each measured candidate; lines: best so far (noisy measurements excluded)."
        if failed > 0 { caption += " \(failed) candidate(s) were invalid, failed or timed out and have no figure." }
        if let s = j.strategy { caption += " Strategy: \(s)." }
        return .init(chart, caption: caption + " " + (j.journal?.caption ?? ""))
    }
}
