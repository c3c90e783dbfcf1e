import Foundation

/// GPU simulations: one workload on several GPUs, its step time by cause, and where each GPU falls
/// under the export-control rules.
public enum SimulationSection {
    public static let howTo = "ktune simulate compare --model deepseek-v3 --gpu h800-sxm,h100-sxm,h20,h200 --nodes 2 --ep 16 --batch 32 --json > out/simulate.json"

    public static func build(_ input: Input<SimulationData>, rules: Input<ExportRulesData>) -> Section {
        var blocks: [Section.Block] = []
        switch input {
        case .absent: blocks.append(.howTo("No simulation file. To compare GPUs on one workload:", command: howTo))
        case let .unusable(reason): blocks.append(.problem(reason))
        case let .loaded(s):
            for e in s.estimates where e.error != nil {
                blocks.append(.paragraph("Not simulated on \(e.gpu): \(e.error ?? "")"))
            }
            if let c = comparison(s) { blocks.append(.figure(c)) }
            if let b = breakdown(s) { blocks.append(.figure(b)) }
        }
        switch rules {
        case .absent: blocks.append(.howTo("No export rules found (profiles/rules):", command: "ktune simulate rules"))
        case let .unusable(reason): blocks.append(.problem(reason))
        case let .loaded(r):
            for rule in r.rules { if let f = exportChart(r, rule: rule.id, name: rule.name) { blocks.append(.figure(f)) } }
        }
        return Section(id: "simulation", title: "GPU simulation", blocks: blocks)
    }

    static func workload(_ s: SimulationData) -> String {
        let e = s.estimates.first { $0.error == nil }
        return [e?.model, e?.mode, e?.layout.map { "GPUs " + $0 }].compactMap { $0 }.joined(separator: ", ")
    }

    static func statusColor(_ status: String?) -> String {
        guard let status else { return Palette.tuned }
        return status == "allowed" ? Palette.allowed : Palette.controlled
    }

    /// Tokens/s per GPU on the same workload, one bar per GPU.
    static func comparison(_ s: SimulationData) -> Section.Figure? {
        let es = s.estimates.filter { $0.error == nil && $0.tokensPerSecondPerGPU != nil }
        guard !es.isEmpty else { return nil }
        var marks: [Mark] = []
        for (i, e) in es.enumerated() {
            let v = e.tokensPerSecondPerGPU ?? 0
            marks.append(.rect(x: 0...v, y: (Double(i) + 0.18)...(Double(i) + 0.82), fill: statusColor(e.exportStatus),
                               title: "\(e.gpu): \(NumberFormat.trim(v, 4)) tokens/s per GPU"))
            var text = NumberFormat.short(v)
            if let l = e.latencyMs { text += " · " + NumberFormat.trim(l, 3) + " ms" }
            if let u = e.usdPerMillionTokens { text += " · $" + NumberFormat.trim(u, 3) + "/Mtok" }
            marks.append(.label(x: v, y: Double(i) + 0.5, text: text, dx: 6, dy: 4))
        }
        let maxX = (es.compactMap(\.tokensPerSecondPerGPU).max() ?? 1) * 1.35
        var legend: [LegendEntry] = []
        if es.contains(where: { $0.exportStatus != nil }) {
            legend = [LegendEntry("allowed under the rule given", color: Palette.allowed),
                      LegendEntry("export-controlled", color: Palette.controlled)]
        }
        let chart = Chart(title: "GPUs compared — " + workload(s),
                          x: Axis("Throughput (tokens/s per GPU; label: latency per step, cost)", .linear(covering: [0, maxX], includeZero: true)),
                          y: Axis("GPU", .band(es.map(\.gpu))), marks: marks, legend: legend,
                          height: max(200, 100 + 34 * Double(es.count)))
        return .init(chart, caption: "`ktune simulate` on one workload per GPU (analytical cost model, published efficiencies per GPU profile). " + s.provenance.caption)
    }

    /// Step time split into compute, memory and communication, per GPU.
    static func breakdown(_ s: SimulationData) -> Section.Figure? {
        let es = s.estimates.filter { $0.error == nil && ($0.computeMs + $0.memoryMs + $0.communicationMs) > 0 }
        guard !es.isEmpty else { return nil }
        var marks: [Mark] = []
        let parts: [(String, String, KeyPath<SimulationData.Estimate, Double>)] = [
            ("compute", Palette.compute, \.computeMs), ("memory", Palette.memory, \.memoryMs),
            ("communication", Palette.communication, \.communicationMs)]
        for (i, e) in es.enumerated() {
            var x = 0.0
            for (name, color, kp) in parts {
                let v = e[keyPath: kp]
                guard v > 0 else { continue }
                marks.append(.rect(x: x...(x + v), y: (Double(i) + 0.18)...(Double(i) + 0.82), fill: color,
                                   title: "\(e.gpu) \(name): \(NumberFormat.trim(v, 3)) ms"))
                x += v
            }
            marks.append(.label(x: x, y: Double(i) + 0.5, text: NumberFormat.trim(x, 3) + " ms", dx: 6, dy: 4))
        }
        let maxX = (es.map { $0.computeMs + $0.memoryMs + $0.communicationMs }.max() ?? 1) * 1.15
        let chart = Chart(title: "Step time by cause — " + workload(s),
                          x: Axis("Time per step on one GPU (ms, ops summed, before overlap)", .linear(covering: [0, maxX], includeZero: true)),
                          y: Axis("GPU", .band(es.map(\.gpu))), marks: marks,
                          legend: parts.map { LegendEntry($0.0, color: $0.1) }, height: max(200, 100 + 34 * Double(es.count)))
        return .init(chart, caption: "Each op's time goes to what bounds it: compute (tensor cores), memory (HBM) or communication (NVLink, network). Overlap, when simulated, hides part of the communication. " + s.provenance.caption)
    }

    /// TPP against performance density with the rule's control regions shaded and thresholds drawn.
    static func exportChart(_ r: ExportRulesData, rule: String, name: String) -> Section.Figure? {
        let regions = r.regions.filter { $0.rule == rule }
        guard !r.gpus.isEmpty else { return nil }
        let thresholdsX = regions.flatMap { [$0.tpp.lowerBound, $0.tpp.upperBound] }.filter { $0 > 0 && $0 < 1e8 }
        let thresholdsY = regions.flatMap { [$0.pd.lowerBound, $0.pd.upperBound] }.filter { $0 > 0 && $0 < 1e8 }
        let x = Scale.log(covering: r.gpus.map(\.tpp) + thresholdsX), y = Scale.log(covering: r.gpus.map(\.pd) + thresholdsY)
        guard case let .log(xd) = x, case let .log(yd) = y else { return nil }
        var marks: [Mark] = []
        let classes = regions.map(\.controlClass).uniqued()
        let shades = ["#D55E00", "#E69F00", "#CC79A7", "#56B4E9"]
        for g in regions {
            let shade = shades[(classes.firstIndex(of: g.controlClass) ?? 0) % shades.count]
            let xr = max(g.tpp.lowerBound, xd.lowerBound)...min(g.tpp.upperBound, xd.upperBound)
            let yr = max(g.pd.lowerBound, yd.lowerBound)...min(g.pd.upperBound, yd.upperBound)
            guard xr.lowerBound < xr.upperBound, yr.lowerBound < yr.upperBound else { continue }
            marks.append(.rect(x: xr, y: yr, fill: shade, opacity: 0.16,
                               title: "\(g.controlClass): TPP \(NumberFormat.short(g.tpp.lowerBound))–\(g.tpp.upperBound >= 1e8 ? "∞" : NumberFormat.short(g.tpp.upperBound)), PD \(NumberFormat.trim(g.pd.lowerBound, 3))–\(g.pd.upperBound >= 1e8 ? "∞" : NumberFormat.trim(g.pd.upperBound, 3))"))
        }
        for v in Set(thresholdsX).sorted() { marks.append(.rule(value: v, vertical: true, stroke: "#555", label: "TPP \(NumberFormat.short(v))")) }
        for v in Set(thresholdsY).sorted() { marks.append(.rule(value: v, vertical: false, stroke: "#555", label: "PD \(NumberFormat.trim(v, 3))")) }
        // GPUs at (almost) the same place share one label.
        var groups: [[ExportRulesData.GPU]] = []
        for g in r.gpus.sorted(by: { $0.id < $1.id }) {
            if let i = groups.firstIndex(where: { abs($0[0].tpp / g.tpp - 1) < 0.03 && abs($0[0].pd / g.pd - 1) < 0.03 }) {
                groups[i].append(g)
            } else { groups.append([g]) }
        }
        for group in groups {
            for g in group {
                let caught = g.caughtBy[rule] ?? []
                let color = caught.isEmpty ? Palette.allowed : Palette.controlled
                marks.append(.points([DataPoint(g.tpp, g.pd, title: "\(g.id): TPP \(NumberFormat.short(g.tpp)), PD \(NumberFormat.trim(g.pd, 3)) — " + (caught.isEmpty ? "not controlled" : caught.joined(separator: ", ")))],
                                     fill: color, radius: 5))
            }
            marks.append(.pointLabel(x: group[0].tpp, y: group[0].pd, text: group.map(\.id).joined(separator: ", ")))
        }
        var legend = classes.enumerated().map { LegendEntry("\($0.element) region", color: shades[$0.offset % shades.count] + "55") }
        legend += [LegendEntry("controlled", color: Palette.controlled, kind: .symbol(.circle)),
                   LegendEntry("not controlled", color: Palette.allowed, kind: .symbol(.circle))]
        let others = Set(regions.flatMap(\.otherCriteria)).sorted()
        let chart = Chart(title: "Export rule \(rule): TPP vs performance density",
                          x: Axis("Total processing performance (TPP = dense TFLOP/s × bit length)", x),
                          y: Axis("Performance density (TPP per mm² of die)", y), marks: marks, legend: legend, height: 420)
        var caption = "\(name). Shaded: the TPP × PD regions a control class covers; dashed: its thresholds; each GPU profile placed by its densest dtype."
        if !others.isEmpty { caption += " Criteria on other metrics are not drawn: " + others.joined(separator: "; ") + "." }
        return .init(chart, caption: caption + " Source: " + r.source)
    }
}
