import ArgumentParser
import Foundation
import Models
import Report
import Simulator

/// `ktune simulate rules`: which export rule catches a GPU, and why (numbers shown).
struct SimulateRules: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules", abstract: "Say which export-control rule (profiles/rules) catches a GPU and why.")

    @Option(help: "GPU profile id (default: every GPU, one line each).") var gpu: String?
    @Option(help: "Rule id (default: every rule).") var rule: String?
    @Flag(help: "List the --set knobs and exit.") var knobs = false
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var hardware: HardwareOptions

    func run() throws {
        if knobs {
            for k in GPUProfile.knobs { print("\(k.name.padding(toLength: 14, withPad: " ", startingAt: 0)) \(k.meaning)") }
            return
        }
        let catalog = hardware.catalog
        let ruleIDs = try rule.map { [$0] } ?? wrap { () throws(ProfileError) in try catalog.ruleIDs() }
        let rules = try ruleIDs.map { id in try wrap { () throws(ProfileError) in try catalog.rule(id) } }
        let gpuIDs = try gpu.map { [$0] } ?? wrap { () throws(ProfileError) in try catalog.gpuIDs() }
        let gpus = try gpuIDs.map { try hardware.gpu($0) }
        let verdicts = gpus.flatMap { g in rules.map { $0.evaluate(g) } }
        if json { try printJSON(verdicts); return }
        if gpu == nil {
            let rows = gpus.map { g -> [String] in
                let m = ExportMetrics(gpu: g)
                return [g.id, String(format: "%.0f", m.tpp), m.tppDtype, String(format: "%.2f", m.pd), String(format: "%.0f", m.io)]
                    + rules.map { r in r.evaluate(g).caughtBy.joined(separator: "+").isEmpty ? "not controlled" : r.evaluate(g).caughtBy.joined(separator: "+") }
            }
            print(TextTable(header: ["gpu", "TPP", "from", "PD", "I/O GB/s"] + rules.map(\.id), rows: rows).render())
            return
        }
        for g in gpus {
            let m = ExportMetrics(gpu: g)
            print("\(g.id) (\(g.name)): TPP \(String(format: "%.0f", m.tpp)) (\(m.tppDtype): dense TFLOP/s × bit length), "
                  + "PD \(String(format: "%.2f", m.pd)) (TPP / \(String(format: "%.0f", g.dieAreaMM2)) mm²), "
                  + "I/O \(String(format: "%.0f", m.io)) GB/s (NVLink \(String(format: "%.0f", g.nvlinkGBps)) + PCIe \(String(format: "%.0f", g.pcieGBps)))")
            for r in rules {
                let v = r.evaluate(g)
                print("  \(r.id): " + (v.isControlled ? "CONTROLLED by \(v.caughtBy.joined(separator: ", "))" : "not controlled"))
                for reason in v.reasons { print("    \(reason)") }
            }
        }
    }
}

/// `ktune simulate search`: best deployment, or best hypothetical chip under a rule (`--under`).
struct SimulateSearch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search deployments (tp/pp/ep/batch over GPU counts) or, with --under RULE, hypothetical chips.",
        discussion: "Prints how many candidates were evaluated and how long it took (the simulator's benchmark).")

    @Option(help: "GPU profile id (the base chip for --under).") var gpu: String = "h800-sxm"
    @OptionGroup var hardware: HardwareOptions
    @OptionGroup var workload: WorkloadOptions
    @Option(name: .customLong("node-counts"), help: "Node counts to try, comma-separated.") var nodeCounts: String = "1,2,4,8,16"
    @Option(help: "Batch sizes (decode) or tokens per GPU (prefill) to try, comma-separated.") var sizes: String?
    @Option(name: .customLong("latency-limit"), help: "Max TPOT (decode) or TTFT (prefill) in ms.") var latencyLimit: Double?
    @Option(help: "Export rule id: search hypothetical chips from --gpu that the rule does not control.") var under: String?

    func run() throws {
        let model = try hardware.model(workload.model)
        let base = try hardware.gpu(gpu)
        if let l = latencyLimit, !(l.isFinite && l > 0) {
            throw ValidationError("--latency-limit: \(l) is not valid; expected a positive number of ms")
        }
        for (value, flag, low) in [(workload.contextLength, "--context-len", 0), (workload.inputLength, "--input-len", 1)]
        where !(value >= low && value <= 1 << 24) {
            throw ValidationError("\(flag): \(value) is out of range; expected \(low) to \(1 << 24)")
        }
        let search = SearchWorkload(model: model, calibration: try hardware.loadCalibration(),
                                    precision: try workload.precision, overlap: workload.overlap,
                                    decode: workload.phase != "prefill", contextLength: workload.contextLength,
                                    inputLength: workload.inputLength, latencyLimitMs: latencyLimit)
        let result: SearchResult
        if let under {
            let rule = try wrap { () throws(ProfileError) in try hardware.catalog.rule(under) }
            let layout = try workload.layout(gpu: base)
            result = DeploymentSearch.bestChip(search, base: base, rule: rule, layout: layout,
                                               size: search.decode ? workload.batch : workload.tokensPerGPU)
        } else {
            let counts = try nodeCounts.split(separator: ",").map { s -> Int in
                guard let n = Int(s), n > 0, n <= LayoutOptions.maxGPUs / base.gpusPerNode else {
                    throw ValidationError("--node-counts: '\(s)' is not a node count from 1 to \(LayoutOptions.maxGPUs / base.gpusPerNode)")
                }
                return n * base.gpusPerNode
            }
            let defaultSizes = search.decode ? [1, 2, 4, 8, 16, 32, 64, 128, 256, 512] : [1024, 2048, 4096, 8192, 16384, 32768]
            let list = try sizes.map { text in try text.split(separator: ",").map { s -> Int in
                guard let n = Int(s), n > 0, n <= 1 << 20 else { throw ValidationError("--sizes: '\(s)' is not an integer from 1 to 1048576") }
                return n } } ?? defaultSizes
            result = DeploymentSearch.best(search, gpu: base, gpuCounts: counts, sizes: list)
        }
        if workload.json { try printJSON(result); return }
        print(String(format: "evaluated %d candidates in %.3f s (%.0f per second); %d feasible", result.evaluated,
                     result.seconds, Double(result.evaluated) / max(result.seconds, 1e-9), result.feasible))
        for (reason, n) in result.rejected.sorted(by: { $0.key < $1.key }) { print("  rejected (\(reason)): \(n)") }
        if let chip = result.chip {
            let m = ExportMetrics(gpu: chip)
            print("best allowed chip: \(chip.id)")
            print(String(format: "  TPP %.0f, PD %.2f, I/O %.0f GB/s, BF16 %.0f TFLOP/s, HBM %.0f GB at %.2f TB/s",
                         m.tpp, m.pd, m.io, chip.denseTFLOPS.bf16 ?? 0, chip.hbmGB, chip.hbmTBps))
        }
        if let best = result.best { print(render(best)) } else { print("no feasible candidate") }
    }
}
