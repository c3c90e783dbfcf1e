import Foundation
import Models

/// One stage of a training run: `tokens` tokens in sequences of `sequenceLength`.
public struct TrainingPhase: Sendable, Codable, Equatable {
    public var name: String
    public var tokens: Double
    public var sequenceLength: Int
    public init(name: String, tokens: Double, sequenceLength: Int) {
        self.name = name; self.tokens = tokens; self.sequenceLength = sequenceLength
    }
}

/// A training run: phases (pre-training, context extension, ...) on a GPU deployment.
public struct TrainingRequest: Sendable {
    public var model: ModelConfig
    public var gpu: GPUProfile
    public var layout: Deployment
    public var phases: [TrainingPhase]
    /// GEMM precision (DeepSeek-V3: FP8 GEMMs; embedding, output head, gating, norms and attention in
    /// BF16/FP32 — [V3-TR] §3.3.1).
    public var precision: Precision
    /// Fraction of each op's dtype peak sustained over the run; nil takes the GPU profile's
    /// `efficiency.training`.
    public var efficiency: Double?
    /// GPU-hours added as given (e.g. post-training whose token count is not public).
    public var extraGPUHours: Double
    public var pricePerGPUHour: Double?

    public init(model: ModelConfig, gpu: GPUProfile, layout: Deployment, phases: [TrainingPhase],
                precision: Precision = .fp8, efficiency: Double? = nil, extraGPUHours: Double = 0,
                pricePerGPUHour: Double? = nil) {
        self.model = model; self.gpu = gpu; self.layout = layout; self.phases = phases; self.precision = precision
        self.efficiency = efficiency; self.extraGPUHours = extraGPUHours; self.pricePerGPUHour = pricePerGPUHour
    }
}

/// GPU-hours, days and cost of training from the op graph's FLOPs per token (forward + backward = 3×
/// forward, causal attention counted) priced per op at its dtype's peak × a training efficiency.
public enum TrainingSimulator {
    /// Longest training sequence accepted.
    public static let maxSequenceLength = 1 << 24

    public static func estimate(_ r: TrainingRequest) throws(SimulatorError) -> Estimate {
        try ModelLimits.check(r.model)
        guard r.layout.gpus >= 1 && r.layout.gpus <= InferenceSimulator.maxGPUs else {
            throw .invalidValue(field: "gpus", value: "\(r.layout.gpus)", expected: "1 to \(InferenceSimulator.maxGPUs)")
        }
        try r.layout.validate(model: r.model)
        if let p = r.pricePerGPUHour, !(p.isFinite && p >= 0 && p <= 1e6) {
            throw .invalidValue(field: "--price", value: "\(p)", expected: "a finite price per GPU-hour from 0 to 1e6 USD")
        }
        guard r.extraGPUHours.isFinite && r.extraGPUHours >= 0 && r.extraGPUHours <= 1e15 else {
            throw .invalidValue(field: "--extra-gpu-hours", value: "\(r.extraGPUHours)", expected: "0 to 1e15")
        }
        guard !r.phases.isEmpty else {
            throw .invalidValue(field: "--tokens", value: "", expected: "at least one training phase")
        }
        let efficiency = r.efficiency ?? r.gpu.efficiency.training
        guard efficiency > 0 && efficiency <= 1 else {
            throw .invalidValue(field: "--mfu", value: "\(efficiency)", expected: "a fraction in (0, 1]")
        }
        guard let bf16 = r.gpu.peakFLOPS("bf16") else { throw .unsupportedDtype(gpu: r.gpu.id, dtype: "bf16") }
        var hours = r.extraGPUHours
        var notes: [String] = []
        var main: (seconds: Double, flops: Double, ops: [OpEstimate])?
        for phase in r.phases {
            guard phase.tokens > 0, phase.tokens <= 1e18, phase.sequenceLength >= 1, phase.sequenceLength <= maxSequenceLength else {
                throw .invalidValue(field: "phase \(phase.name)", value: "\(phase.tokens)@\(phase.sequenceLength)",
                                    expected: "tokens from 1 to 1e18 and a sequence length from 1 to \(maxSequenceLength)")
            }
            let p = try perToken(r, sequenceLength: phase.sequenceLength, efficiency: efficiency)
            let phaseHours = phase.tokens * p.seconds / 3600
            hours += phaseHours
            notes.append(String(format: "%@: %.4gT tokens at seq %d: %.4g GFLOP/token, %.1fK GPU-hours",
                                phase.name, phase.tokens / 1e12, phase.sequenceLength, p.flops / 1e9, phaseHours / 1e3))
            if main == nil { main = p }
        }
        if r.extraGPUHours > 0 { notes.append(String(format: "given extra: %.1fK GPU-hours", r.extraGPUHours / 1e3)) }
        notes.append(String(format: "training efficiency %.3f of each op's nominal dtype peak%@", efficiency,
                            r.efficiency == nil ? " (from the GPU profile)" : " (given)"))
        notes.append("layout checked (tp × pp × dp = GPUs, ep ≤ experts); its pipeline bubbles and exposed "
                     + "communication are inside the efficiency, not modelled per layout")
        guard let main else { throw .invalidValue(field: "--tokens", value: "", expected: "a phase") }
        let perGPU = 1 / main.seconds
        let days = hours / Double(r.layout.gpus) / 24
        let estimate = Estimate(
            model: r.model.id, gpu: r.gpu.id, mode: "training", gpus: r.layout.gpus,
            nodes: r.layout.nodes(gpusPerNode: r.gpu.gpusPerNode), tp: r.layout.tp, ep: r.layout.ep, pp: r.layout.pp,
            dp: r.layout.dp, dtype: r.precision.gemmDtype, overlap: true, tokensPerSecondPerGPU: perGPU,
            tokensPerSecondPerNode: perGPU * Double(r.gpu.gpusPerNode), ttftMs: nil, tpotMs: nil,
            stepMs: main.seconds * 1e3 * Double(r.phases[0].sequenceLength), computeMs: main.seconds * 1e3 * Double(r.phases[0].sequenceLength),
            communicationMs: 0,
            kvCacheBytesPerToken: Double(r.model.kvCacheElementsPerToken) * r.precision.kvBytes,
            maxBatchPerGPU: nil, weightsGBPerGPU: 0, kvCacheGBPerGPU: 0, usdPerMillionTokens: nil,
            gpuHours: hours, days: days, costUSD: r.pricePerGPUHour.map { $0 * hours },
            mfu: main.flops * perGPU / bf16, flopsPerToken: main.flops, notes: notes, ops: main.ops)
        try estimate.checkFinite()
        return estimate
    }

    /// Seconds of one GPU and model FLOPs per trained token at `sequenceLength`.
    static func perToken(_ r: TrainingRequest, sequenceLength: Int,
                         efficiency: Double) throws(SimulatorError) -> (seconds: Double, flops: Double, ops: [OpEstimate]) {
        let graph = OpGraph(model: r.model, workload: .training(sequences: 1, length: sequenceLength), precision: r.precision)
        var seconds = 0.0, flops = 0.0
        var ops: [OpEstimate] = []
        for op in graph.ops where op.flops > 0 {
            let dtype = (op.kind == .gemm || op.kind == .routedExperts) ? r.precision.gemmDtype : "bf16"
            guard let peak = r.gpu.peakFLOPS(dtype), peak > 0 else { throw .unsupportedDtype(gpu: r.gpu.id, dtype: dtype) }
            let f = 3 * op.totalFLOPs   // forward + backward (input and weight gradients)
            let t = f / (peak * efficiency)
            seconds += t
            flops += f
            ops.append(OpEstimate(name: op.name, kind: op.kind.rawValue, count: Double(op.count),
                                  flopsPerGPU: f, bytesPerGPU: 0, timeMs: t * 1e3, bound: "compute", computeMs: t * 1e3,
                                  efficiency: efficiency, source: r.efficiency == nil ? "efficiency.training (fitted)" : "given --mfu"))
        }
        let s = Double(sequenceLength)
        return (seconds / s, flops / s, ops)
    }
}
