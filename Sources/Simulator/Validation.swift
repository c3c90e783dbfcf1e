import Foundation
import Models

/// The validation table as data (`profiles/validation/<id>.json`): component measurements and training
/// runs, each with its inputs, the published value, its source and the tolerance. Cases marked
/// `"use": "calibration"` are points the laws were fitted to (their error is the fit's residual);
/// `"held-out"` cases were not used for fitting.
public struct ValidationTable: Codable, Sendable {
    public var id: String
    public var description: String
    public var cases: [ValidationCase]

    func validate(file: String) throws(ProfileError) {
        var seen: Set<String> = []
        for (i, c) in cases.enumerated() {
            let field = "cases[\(i)]"
            if !seen.insert(c.id).inserted { throw .malformed(file: file, field: field + ".id", expected: "a unique id, '\(c.id)' repeats") }
            guard ValidationCase.kinds.contains(c.kind) else {
                throw .malformed(file: file, field: field + ".kind", expected: "one of \(ValidationCase.kinds.joined(separator: ", ")); got \(c.kind)")
            }
            guard ["tflops", "GBps", "us", "gpuHours"].contains(c.metric) else {
                throw .malformed(file: file, field: field + ".metric", expected: "tflops, GBps, us or gpuHours; got \(c.metric)")
            }
            guard c.published.isFinite && c.published > 0 else {
                throw .malformed(file: file, field: field + ".published", expected: "a positive number, got \(c.published)")
            }
            guard c.tolerance > 0 && c.tolerance < 1 else {
                throw .malformed(file: file, field: field + ".tolerance", expected: "a fraction in (0, 1), got \(c.tolerance)")
            }
            guard c.use == "calibration" || c.use == "held-out" else {
                throw .malformed(file: file, field: field + ".use", expected: "\"calibration\" or \"held-out\"; got \(c.use)")
            }
            if c.source.isEmpty { throw .malformed(file: file, field: field + ".source", expected: "the source of the value") }
            let needed: [String]
            switch c.kind {
            case "gemm": needed = ["m", "n", "k"]
            case "attention": needed = ["batch", "seqLen", "queryHeads"]
            case "alltoall": needed = ["ep", "tokens", "hidden", "topK", "kernel", "op"]
            default: needed = ["model", "gpus", "phases"]
            }
            for name in needed where !c.inputs.has(name) {
                throw .malformed(file: file, field: field + ".inputs.\(name)", expected: "a value for a \(c.kind) case")
            }
        }
    }
}

/// One validation case.
public struct ValidationCase: Codable, Sendable {
    static let kinds = ["gemm", "attention", "alltoall", "training"]

    /// The case's inputs (each kind uses its own fields).
    public struct Inputs: Codable, Sendable {
        // gemm
        public var m: Int?, n: Int?, k: Int?, groups: Int?
        // attention (FlashMLA decode: latent 576 / 512, one KV head)
        public var batch: Int?, seqLen: Int?, queryHeads: Int?, queryTokens: Int?
        // alltoall
        public var kernel: String?, op: String?, ep: Int?, tokens: Int?, hidden: Int?, topK: Int?, topKGroups: Int?
        // training
        public var model: String?, gpus: Int?, pp: Int?, phases: [Phase]?
        public struct Phase: Codable, Sendable { public var tokens: Double; public var sequenceLength: Int }

        func has(_ name: String) -> Bool {
            switch name {
            case "m": return m != nil
            case "n": return n != nil
            case "k": return k != nil
            case "batch": return batch != nil
            case "seqLen": return seqLen != nil
            case "queryHeads": return queryHeads != nil
            case "ep": return ep != nil
            case "tokens": return tokens != nil
            case "hidden": return hidden != nil
            case "topK": return topK != nil
            case "kernel": return kernel == "normal" || kernel == "lowLatency"
            case "op": return op == "dispatch" || op == "combine"
            case "model": return model != nil
            case "gpus": return gpus != nil
            default: return !(phases ?? []).isEmpty
            }
        }
    }

    public var id: String
    public var kind: String
    public var gpu: String
    public var inputs: Inputs
    /// "tflops", "GBps" (DeepEP's logical bandwidth for all-to-all), "us" or "gpuHours".
    public var metric: String
    public var published: Double
    /// Accepted |predicted / published − 1|.
    public var tolerance: Double
    public var source: String
    /// "calibration" (fitted to it) or "held-out".
    public var use: String
}

/// One case's outcome.
public struct ValidationResult: Codable, Sendable, Equatable {
    public var id: String
    public var kind: String
    public var metric: String
    public var published: Double
    public var predicted: Double
    /// predicted / published − 1.
    public var error: Double
    public var tolerance: Double
    public var withinTolerance: Bool
    public var use: String
    public var source: String
}

/// Runs a validation table through the same kernel laws and training model the estimates use.
public enum Validation {
    public static func run(_ table: ValidationTable, catalog: HardwareCatalog,
                           calibration: Calibration) throws(SimulatorError) -> [ValidationResult] {
        var out: [ValidationResult] = []
        for c in table.cases {
            let gpu: GPUProfile
            do { gpu = try catalog.gpu(c.gpu) } catch { throw .profile(error) }
            let predicted = try predict(c, gpu: gpu, catalog: catalog, calibration: calibration)
            let error = predicted / c.published - 1
            out.append(ValidationResult(id: c.id, kind: c.kind, metric: c.metric, published: c.published, predicted: predicted,
                                        error: error, tolerance: c.tolerance, withinTolerance: abs(error) <= c.tolerance,
                                        use: c.use, source: c.source))
        }
        return out
    }

    /// Mean absolute percentage error (as a fraction) of `results`.
    public static func mape(_ results: [ValidationResult]) -> Double {
        results.isEmpty ? 0 : results.reduce(0) { $0 + abs($1.error) } / Double(results.count)
    }

    static func predict(_ c: ValidationCase, gpu: GPUProfile, catalog: HardwareCatalog,
                        calibration: Calibration) throws(SimulatorError) -> Double {
        let kernels = KernelModel(gpu: gpu, calibration: calibration)
        let i = c.inputs
        switch c.kind {
        case "gemm":
            let m = Double(i.m ?? 0), n = Double(i.n ?? 0), k = Double(i.k ?? 0), g = Double(i.groups ?? 1)
            // DeepGEMM: FP8 A and B, BF16 C.
            let t = try kernels.gemm(m: m, n: n, k: k, groups: g, dtype: "fp8", weightBytes: 1, inputBytes: 1, outputBytes: 2)
            return 2 * m * n * k * g / t.total / 1e12
        case "attention":
            // FlashMLA's benchmark: FLOPs = 2 s_q · Σs_k · h_q · (576 + 512); bytes = BF16 latent cache + q + o.
            let b = Double(i.batch ?? 0), s = Double(i.seqLen ?? 0), h = Double(i.queryHeads ?? 0)
            let sq = Double(i.queryTokens ?? 1)
            let d = 576.0, dv = 512.0
            let flops = 2 * sq * b * s * h * (d + dv)
            let bytes = (b * s * d + b * sq * h * d + b * sq * h * dv) * 2
            let rows = h * sq, block = Double(calibration.attention.headPadding)
            let padded = flops * (rows / block).rounded(.up) * block / rows
            let t = try kernels.attention(flops: flops, paddedFLOPs: padded, bytes: bytes)
            return c.metric == "GBps" ? bytes / t.total / 1e9 : flops / t.total / 1e12
        case "alltoall":
            let ep = i.ep ?? 1, hidden = Double(i.hidden ?? 0)
            let combine = i.op == "combine"
            let kernel: AllToAllKernel = i.kernel == "lowLatency" ? .lowLatency : .normal
            // DeepEP's benchmarks group experts by node and route each token to ≤ topKGroups nodes.
            let nodes = max(1, ep / gpu.gpusPerNode)
            let routing = Routing(topK: i.topK ?? 0, groups: nodes, nodeGroups: i.topKGroups)
            let perToken = hidden * (combine ? Precision.fp8.combineBytes : Precision.fp8.dispatchBytes)
            let a = kernels.allToAll(kernel, combine: combine, tokens: Double(i.tokens ?? 0), ep: ep, routing: routing,
                                     bytesPerToken: perToken)
            guard a.time.total > 0 else {
                throw .invalidValue(field: "validation case \(c.id)", value: "ep \(ep)", expected: "an expert-parallel case (ep > 1)")
            }
            return c.metric == "us" ? a.time.total * 1e6 : a.logicalBytes / a.time.total / 1e9
        default:
            let model: ModelConfig
            do { model = try catalog.model(i.model ?? "") } catch { throw .profile(error) }
            let phases = (i.phases ?? []).enumerated().map { n, p in
                TrainingPhase(name: "phase \(n + 1)", tokens: p.tokens, sequenceLength: p.sequenceLength)
            }
            let e = try TrainingSimulator.estimate(TrainingRequest(
                model: model, gpu: gpu, layout: Deployment(gpus: i.gpus ?? 1, ep: i.ep ?? 1, pp: i.pp ?? 1), phases: phases))
            return e.gpuHours ?? 0
        }
    }
}
