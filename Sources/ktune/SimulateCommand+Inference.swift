import ArgumentParser
import Foundation
import Models
import Report
import Simulator

/// `ktune simulate inference`: one serving scenario (prefill or decode).
struct SimulateInference: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inference",
        abstract: "Prefill or decode throughput, TTFT/TPOT, KV cache, memory and $ per million tokens.")

    @Option(help: "GPU profile id (profiles/gpus).") var gpu: String = "h800-sxm"
    @OptionGroup var hardware: HardwareOptions
    @OptionGroup var workload: WorkloadOptions

    func run() throws { print(try output()) }

    /// What `run` prints: the estimate as text or JSON.
    func output() throws -> String {
        let g = try hardware.gpu(gpu)
        let model = try hardware.model(workload.model)
        let request = try workload.request(model: model, gpu: g, calibration: try hardware.loadCalibration())
        let start = Date()
        let estimate = try wrap { () throws(SimulatorError) in try InferenceSimulator.estimate(request) }
        let elapsed = Date().timeIntervalSince(start)
        if workload.json { return try jsonText(estimate) }
        // The first estimate includes one-time initialisation; the median of 20 more is the steady state.
        var times: [Double] = []
        for _ in 0..<20 {
            let t0 = Date()
            _ = try? InferenceSimulator.estimate(request)
            times.append(Date().timeIntervalSince(t0))
        }
        times.sort()
        return render(estimate) + String(format: "\n(estimated in %.3f ms; median of 20 more: %.3f ms)", elapsed * 1e3, times[10] * 1e3)
    }
}

/// `ktune simulate compare`: the same workload on several GPUs, side by side.
struct SimulateCompare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare", abstract: "Run one workload on several GPUs and print them side by side.")

    @Option(help: "GPU ids, comma-separated or repeated (default: every profile).") var gpu: [String] = []
    @Option(help: "Export rule id: mark GPUs the rule controls.") var under: String?
    @OptionGroup var hardware: HardwareOptions
    @OptionGroup var workload: WorkloadOptions

    func run() throws {
        let ids = gpu.isEmpty ? try wrap { () throws(ProfileError) in try hardware.catalog.gpuIDs() }
                              : gpu.flatMap { $0.split(separator: ",").map(String.init) }
        let model = try hardware.model(workload.model)
        let rule = try under.map { id in try wrap { () throws(ProfileError) in try hardware.catalog.rule(id) } }
        let calibration = try hardware.loadCalibration()
        var rows: [[String]] = []
        var results: [CompareRow] = []
        for id in ids {
            let g = try hardware.gpu(id)
            let status = rule.map { r -> String in
                let v = r.evaluate(g)
                return v.isControlled ? v.caughtBy.joined(separator: "+") : "allowed"
            }
            do {
                let request = try workload.request(model: model, gpu: g, calibration: calibration)
                let e = try wrap { () throws(SimulatorError) in try InferenceSimulator.estimate(request) }
                results.append(CompareRow(gpu: g.id, estimate: e, error: nil, exportStatus: status))
                let batch = e.sizePerGPU.map { size in "\(size)" + (e.requestedSizePerGPU.map { $0 != size ? " (fits; asked \($0))" : "" } ?? "") } ?? "-"
                rows.append([g.id] + (status.map { [$0] } ?? []) + [batch, fmt(e.tokensPerSecondPerGPU, 0), fmt(e.tokensPerSecondPerNode, 0),
                             fmt(e.ttftMs ?? e.tpotMs), fmt(e.computeMs), fmt(e.communicationMs),
                             fmt(e.weightsGBPerGPU), e.maxBatchPerGPU.map(String.init) ?? "-", fmt(e.usdPerMillionTokens, 3)])
            } catch {
                results.append(CompareRow(gpu: g.id, estimate: nil, error: "\(error)", exportStatus: status))
                rows.append([g.id] + (status.map { [$0] } ?? []) + ["error: \(error)"])
            }
        }
        if workload.json { try printJSON(results); return }
        print("\(model.id), \(workload.phase), dtype \(workload.dtype)\(workload.overlap ? ", overlap" : "")")
        let latency = workload.phase == "prefill" ? "TTFT ms" : "TPOT ms"
        print(TextTable(header: ["gpu"] + (rule.map { [$0.id] } ?? []) + ["batch/GPU", "tok/s/GPU", "tok/s/node", latency, "compute ms", "comm ms", "weights GB",
                                 "max batch", "$/Mtok"], rows: rows).render())
    }

    struct CompareRow: Encodable {
        var gpu: String
        var estimate: Estimate?
        var error: String?
        var exportStatus: String?
    }
}

/// Human-readable estimate: summary lines, the layer kinds and the per-op table with the bound that
/// applied, the efficiency reached and where the law came from.
func render(_ e: Estimate) -> String {
    var lines: [String] = []
    lines.append("\(e.model) on \(e.gpus) × \(e.gpu) (\(e.nodes) node\(e.nodes == 1 ? "" : "s")), tp \(e.tp) ep \(e.ep) pp \(e.pp) dp \(e.dp), \(e.mode), \(e.dtype)\(e.overlap && e.mode != "training" ? ", overlap" : "")")
    if let size = e.sizePerGPU {
        let unit = e.mode == "prefill" ? "prompt tokens per GPU per step" : "sequences per GPU"
        let asked = e.requestedSizePerGPU.map { $0 != size ? " (asked \($0): did not fit)" : "" } ?? ""
        lines.append("batch              \(size) \(unit)\(asked)")
    }
    lines.append("tokens/s per GPU   \(fmt(e.tokensPerSecondPerGPU, 0))")
    lines.append("tokens/s per node  \(fmt(e.tokensPerSecondPerNode, 0))")
    if let t = e.ttftMs { lines.append("TTFT               \(fmt(t)) ms") }
    if let t = e.tpotMs { lines.append("TPOT               \(fmt(t)) ms") }
    if e.mode != "training" {
        lines.append("step               \(fmt(e.stepMs, 3)) ms (compute \(fmt(e.computeMs, 3)) ms, communication \(fmt(e.communicationMs, 3)) ms)")
        lines.append("memory per GPU     weights \(fmt(e.weightsGBPerGPU)) GB, KV cache \(fmt(e.kvCacheGBPerGPU)) GB")
        if let m = e.maxBatchPerGPU { lines.append("max batch per GPU  \(m) (at this context)") }
        if let i = e.expertImbalance { lines.append("expert imbalance   \(fmt(i, 2)) × mean on the busiest GPU") }
    }
    lines.append("KV cache per token \(fmt(e.kvCacheBytesPerToken / 1024)) KiB")
    if let c = e.usdPerMillionTokens { lines.append("$ per M tokens     \(fmt(c, 4))") }
    if let h = e.gpuHours { lines.append("GPU-hours          \(fmt(h / 1e3))K (\(fmt(e.days)) days on \(e.gpus) GPUs)") }
    if let c = e.costUSD { lines.append("cost               $\(fmt(c / 1e6, 3))M") }
    if let m = e.mfu { lines.append("MFU (BF16 peak)    \(fmt(m * 100))%") }
    if let f = e.flopsPerToken { lines.append("FLOPs per token    \(fmt(f / 1e9)) GFLOP (forward + backward)") }
    for n in e.notes { lines.append("note: \(n)") }
    if !e.layers.isEmpty {
        lines.append("")
        let rows = e.layers.map { l in
            [l.kind, fmt(l.count, l.count == l.count.rounded() ? 0 : 2), fmt(l.computeMs, 3), fmt(l.communicationMs, 3),
             fmt(l.timeMs, 3), l.bound]
        }
        lines.append(TextTable(header: ["layer", "count", "compute ms", "comm ms", "ms/layer", "set by"], rows: rows).render())
    }
    let timeHeader = e.mode == "training" ? "ms/seq" : "ms/step"
    let rows = e.ops.map { op in
        [op.name, op.kind, fmt(op.count, op.count == op.count.rounded() ? 0 : 2), fmt(op.flopsPerGPU / 1e9, 2),
         fmt(op.bytesPerGPU / 1e6, 1), fmt(op.computeMs, 3), fmt(op.memoryMs, 3), fmt(op.communicationMs, 3), fmt(op.fixedMs, 3),
         fmt(op.timeMs, 3), op.bound, fmt(op.efficiency * 100, 0) + "%", op.source]
    }
    lines.append("")
    lines.append(TextTable(header: ["op", "kind", "count", "GFLOP", "MB", "compute", "memory", "comm", "fixed", timeHeader,
                                    "bound", "eff", "law from"], rows: rows).render())
    lines.append("compute/memory/comm/fixed: ms each resource needs (the largest bounds the op, fixed is added); "
                 + "eff: fraction of the bound resource's nominal peak; overlap: hidden behind the other micro-batch")
    return lines.joined(separator: "\n")
}
