import Foundation
import Inference
import Models
import Report
import Simulator

/// The per-op breakdown, the default-vs-tuned comparison and the GPU pricing, as records and tables.
enum ProfileTables {
    /// Per-run op rows, most time first, then "other" (the measured time outside every op).
    static func opRows(_ b: OpBreakdown, roofline: Roofline?) -> [ProfileRecord.OpRow] {
        let runs = Double(max(1, b.runs))
        let measured = Double(b.measuredNs) / runs
        var rows: [ProfileRecord.OpRow] = b.entries.sorted { $0.value.totalNs > $1.value.totalNs }.map { key, e in
            let ns = Double(e.totalNs) / runs
            let gflops = e.totalNs > 0 ? e.flops / Double(e.totalNs) : 0
            let gbps = e.totalNs > 0 ? e.bytes / Double(e.totalNs) : 0
            var bound: String?, limit: Double?, fraction: Double?
            if let roofline, let r = roofline.bound(flops: e.flops, bytes: e.bytes, footprint: e.footprint), r.limit > 0 {
                bound = r.bound; limit = r.limit
                fraction = (r.bound == "compute" ? gflops : gbps) / r.limit
            }
            return ProfileRecord.OpRow(op: OpBreakdown.label(key, e), calls: Double(e.calls) / runs, totalNs: Int(ns.rounded()),
                                       selfNs: Int(ns.rounded()), share: measured > 0 ? ns / measured : 0,
                                       gflops: gflops, gbps: gbps, bound: bound, limit: limit, fractionOfLimit: fraction)
        }
        let other = Double(b.otherNs) / runs
        rows.append(ProfileRecord.OpRow(op: "other", calls: 0, totalNs: Int(other.rounded()), selfNs: Int(other.rounded()),
                                        share: measured > 0 ? other / measured : 0, gflops: 0, gbps: 0, bound: nil, limit: nil,
                                        fractionOfLimit: nil))
        return rows
    }

    /// The recorded op sequence as simulator ops (same names, shapes and rows; BF16 bytes on the GPU),
    /// with the calls per run of each.
    static func simulatorOps(_ b: OpBreakdown) -> [(op: Op, calls: Double, rows: Int)] {
        let runs = Double(max(1, b.runs))
        return b.entries.sorted { $0.key < $1.key }.map { key, e in
            let calls = Double(max(1, e.calls))
            let kind: Op.Kind
            switch key.op {
            case .qProj, .kProj, .vProj, .oProj, .gateProj, .upProj, .downProj, .qkvProj, .gateUpProj: kind = .gemm
            case .router: kind = .router
            case .lmHead: kind = .lmHead
            case .attention: kind = .attention
            case .expertGather: kind = .routedExperts
            case .embedding: kind = .embedding
            default: kind = .norm
            }
            // CPU bytes are FP32 activations (weights as held); the GPU runs BF16: half the activation and
            // KV bytes; GEMM weights are priced by shape at the GPU's precision.
            let op = Op.recorded(name: key.op.name, kind: kind, m: e.m, n: e.n, k: e.k, flops: e.flops / calls,
                                 weightBytes: kind == .gemm || kind == .lmHead || kind == .router ? 0 : e.bytes / calls / 2,
                                 activationBytes: 0, kvBytes: kind == .attention ? e.bytes / calls / 2 : 0)
            return (op, Double(e.calls) / runs, key.rows)
        }
    }

    /// Simulated ns of one run on `gpu`, and the per-op times (ns per run) by label.
    static func gpuPricing(_ b: OpBreakdown, gpu: GPUProfile, calibration: Calibration, model: ModelConfig) throws -> (total: Double, byLabel: [String: Double]) {
        var total = 0.0
        var byLabel: [String: Double] = [:]
        let ops = simulatorOps(b)
        for (op, calls, rows) in ops {
            let t = try OpSequencePricing.price([op], model: model, gpu: gpu, calibration: calibration,
                                                mode: rows > 1 ? .prefill : .decode, tokens: max(1, rows))[0]
            let ns = t.total * 1e9 * calls
            total += ns
            let key = OpBreakdown.Key(op: ForwardOp.allCases.first { $0.name == op.name } ?? .end, rows: rows)
            var e = OpBreakdown.Entry(); e.m = op.m; e.n = op.n; e.k = op.k
            byLabel[OpBreakdown.label(key, e)] = ns
        }
        return (total, byLabel)
    }

    static func gpuNs(_ b: OpBreakdown, gpu: GPUProfile, calibration: Calibration, model: ModelConfig) throws -> Double {
        try gpuPricing(b, gpu: gpu, calibration: calibration, model: model).total
    }

    static func ms(_ ns: Double) -> String { String(format: "%.3f", ns / 1e6) }
    static func f1(_ x: Double) -> String { x.isFinite ? String(format: "%.1f", x) : "-" }

    /// Markdown tables: per row the breakdown; per test with several configs the speedup of each op; with
    /// --gpu the op sequence priced on each GPU beside the CPU time.
    /// One test × thread count: each config's breakdown.
    struct Report {
        var threads: Int
        var test: BenchTest
        var rows: [(config: String, breakdown: OpBreakdown)]
        var roofline: Roofline?
    }

    static func render(reports: [Report],
                       records: [ProfileRecord], gpus: [GPUProfile], calibration: Calibration?, weights: TransformerWeights) -> String {
        var out = ""
        for rep in reports {
            for row in rep.rows {
                let b = row.breakdown
                let runs = Double(max(1, b.runs))
                let measured = Double(b.measuredNs) / runs
                out += "### \(rep.test.name), \(rep.threads) threads, config \(ProfileRecordWriter.configLabel(row.config)): per-op breakdown (per run, mean of \(b.runs))\n\n"
                out += "| op | calls | total ms | self ms | share | GFLOP/s | GB/s | bound | limit | % of limit |\n"
                out += "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |\n"
                for r in opRows(b, roofline: rep.roofline) {
                    let limit = r.limit.map { r.bound == "compute" ? "\(f1($0)) GFLOP/s" : "\(f1($0)) GB/s" } ?? "-"
                    out += "| \(r.op) | \(f1(r.calls)) | \(ms(Double(r.totalNs))) | \(ms(Double(r.selfNs))) | \(f1(r.share * 100))% | \(r.op == "other" ? "-" : f1(r.gflops)) | \(r.op == "other" ? "-" : f1(r.gbps)) | \(r.bound ?? "-") | \(limit) | \(r.fractionOfLimit.map { f1($0 * 100) + "%" } ?? "-") |\n"
                }
                out += "| **measured total** | | \(ms(measured)) | | 100.0% | | | | | |\n\n"
                out += "ops cover \(f1(measured > 0 ? Double(b.opNs) / runs / measured * 100 : 0))% of the measured time; the rest is \"other\".\n\n"
            }
            if rep.rows.count > 1 {
                let base = rep.rows[0]
                for other in rep.rows.dropFirst() {
                    out += "### \(rep.test.name), \(rep.threads) threads: \(ProfileRecordWriter.configLabel(other.config)) vs \(ProfileRecordWriter.configLabel(base.config))\n\n"
                    out += "| op | \(ProfileRecordWriter.configLabel(base.config)) ms | \(ProfileRecordWriter.configLabel(other.config)) ms | speedup |\n| --- | ---: | ---: | ---: |\n"
                    let a = Dictionary(uniqueKeysWithValues: opRows(base.breakdown, roofline: nil).map { ($0.op, Double($0.totalNs)) })
                    let bRows = opRows(other.breakdown, roofline: nil)
                    for r in bRows {
                        let x = a[r.op] ?? 0, y = Double(r.totalNs)
                        out += "| \(r.op) | \(ms(x)) | \(ms(y)) | \(y > 0 && x > 0 ? String(format: "%.3f×", x / y) : "-") |\n"
                    }
                    let ta = Double(base.breakdown.measuredNs) / Double(max(1, base.breakdown.runs))
                    let tb = Double(other.breakdown.measuredNs) / Double(max(1, other.breakdown.runs))
                    out += "| **overall** | \(ms(ta)) | \(ms(tb)) | \(tb > 0 ? String(format: "%.3f×", ta / tb) : "-") |\n\n"
                }
            }
            if !gpus.isEmpty, let calibration, let first = rep.rows.first {
                let b = first.breakdown
                let runs = Double(max(1, b.runs))
                var priced: [(String, Double, [String: Double])] = []
                for g in gpus {
                    if let p = try? gpuPricing(b, gpu: g, calibration: calibration, model: weights.config) { priced.append((g.id, p.total, p.byLabel)) }
                }
                out += "### \(rep.test.name), \(rep.threads) threads: the same op sequence on GPUs (simulated, BF16, one GPU)\n\n"
                out += "| op | calls | CPU ms | " + priced.map { "\($0.0) ms" }.joined(separator: " | ") + " |\n"
                out += "| --- | ---: | ---: | " + priced.map { _ in "---:" }.joined(separator: " | ") + " |\n"
                for r in opRows(b, roofline: nil) where r.op != "other" {
                    out += "| \(r.op) | \(f1(r.calls)) | \(ms(Double(r.totalNs))) | " + priced.map { ms($0.2[r.op] ?? 0) }.joined(separator: " | ") + " |\n"
                }
                let cpu = Double(b.measuredNs) / runs
                let tokens = Double(rep.test.tokens)
                out += "| **total** | | \(ms(cpu)) | " + priced.map { ms($0.1) }.joined(separator: " | ") + " |\n"
                out += "| **tokens/s** | | \(f1(cpu > 0 ? tokens * 1e9 / cpu : 0)) | " + priced.map { f1($0.1 > 0 ? tokens * 1e9 / $0.1 : 0) }.joined(separator: " | ") + " |\n\n"
            }
        }
        return out
    }
}
