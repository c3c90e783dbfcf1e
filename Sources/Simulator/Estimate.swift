import Foundation
import Models

/// A serving scenario: model, GPU, calibration, layout, phase (prefill and decode are simulated
/// separately, as in disaggregated serving), precision and options.
public struct InferenceRequest: Sendable {
    public enum Phase: Sendable, Equatable {
        /// Each GPU processes `tokensPerGPU` new prompt tokens per step, in prompts of `inputLength`
        /// tokens with `cachedLength` prefix tokens already cached (prefix-cache hits).
        case prefill(tokensPerGPU: Int, inputLength: Int, cachedLength: Int)
        /// Each GPU holds `batchPerGPU` sequences with `contextLength` cached tokens; one new token each.
        case decode(batchPerGPU: Int, contextLength: Int)
    }
    public var model: ModelConfig
    public var gpu: GPUProfile
    /// The kernel laws (`profiles/calibration`).
    public var calibration: Calibration
    public var layout: Deployment
    public var phase: Phase
    public var precision: Precision
    /// Two micro-batches: one computes while the other communicates (DeepSeek's prefill; its decode
    /// pipelines attention the same way). Each layer then takes max(compute, communication) of the two
    /// micro-batches, plus one micro-batch's shorter part to fill the pipeline; memory-bound ops read their
    /// weights twice and the normal all-to-all holds its SMs while it overlaps.
    public var overlap: Bool
    /// Price per GPU-hour for $ per million tokens.
    public var pricePerGPUHour: Double?
    /// Tokens to serve, for GPU-hours and cost.
    public var totalTokens: Double?
    /// Fraction of HBM usable for weights + KV cache (the rest: activations, workspace, fragmentation).
    /// 0.9 is vLLM's default `gpu_memory_utilization`.
    public var usableMemoryFraction: Double
    /// Replicated (EPLB) experts over the EP group; nil: the calibration's default.
    public var redundantExperts: Int?
    /// Busiest expert GPU / mean load with a static placement; nil: the calibration's default.
    public var expertSkew: Double?
    /// When the requested batch's KV cache does not fit: estimate the largest batch that fits (true) or
    /// refuse (false, what a search wants).
    public var fitToMemory: Bool

    public init(model: ModelConfig, gpu: GPUProfile, calibration: Calibration, layout: Deployment, phase: Phase,
                precision: Precision = .fp8, overlap: Bool = false, pricePerGPUHour: Double? = nil,
                totalTokens: Double? = nil, usableMemoryFraction: Double = 0.9, redundantExperts: Int? = nil,
                expertSkew: Double? = nil, fitToMemory: Bool = true) {
        self.model = model; self.gpu = gpu; self.calibration = calibration; self.layout = layout; self.phase = phase
        self.precision = precision; self.overlap = overlap; self.pricePerGPUHour = pricePerGPUHour
        self.totalTokens = totalTokens; self.usableMemoryFraction = usableMemoryFraction
        self.redundantExperts = redundantExperts; self.expertSkew = expertSkew; self.fitToMemory = fitToMemory
    }
}

/// One op's share of a step on one GPU, with why it took that long.
public struct OpEstimate: Codable, Sendable, Equatable {
    public var name: String
    public var kind: String
    /// Occurrences on this GPU per step (layers of the stage × micro-batches).
    public var count: Double
    public var flopsPerGPU: Double
    public var bytesPerGPU: Double
    /// Time of all occurrences: max(compute, memory, communication) + fixed, per occurrence.
    public var timeMs: Double
    /// "compute", "memory", "network", "nvlink", "latency", "overlap" (hidden behind the other stream) or
    /// "none".
    public var bound: String
    /// What each resource needs over all occurrences (the largest one bounds the op).
    public var computeMs: Double = 0
    public var memoryMs: Double = 0
    public var communicationMs: Double = 0
    /// Launch, ramp, synchronisation and link latency.
    public var fixedMs: Double = 0
    /// Part of `timeMs` hidden behind the other micro-batch's stream (overlap only).
    public var hiddenMs: Double = 0
    /// Achieved fraction of the binding resource's nominal peak (dense dtype peak, HBM, link line rate).
    public var efficiency: Double = 0
    /// Where the law comes from ("DeepGEMM fit", "FlashMLA", "DeepEP low-latency fit", ...).
    public var source: String = ""
}

/// One kind of layer of a pipeline stage: how many there are and what one of them takes.
public struct LayerEstimate: Codable, Sendable, Equatable {
    /// "dense" or "moe".
    public var kind: String
    public var count: Double
    /// One layer, both micro-batches: compute stream, communication stream, and the layer's time.
    public var computeMs: Double
    public var communicationMs: Double
    public var timeMs: Double
    /// "compute" or "communication": the stream that set the layer's time.
    public var bound: String
}

/// The simulator's answer for one scenario. Field names are the `--json` keys.
public struct Estimate: Codable, Sendable, Equatable {
    public var model: String
    public var gpu: String
    public var mode: String
    public var gpus: Int
    public var nodes: Int
    public var tp: Int, ep: Int, pp: Int, dp: Int
    public var dtype: String
    public var overlap: Bool
    public var tokensPerSecondPerGPU: Double
    public var tokensPerSecondPerNode: Double
    public var ttftMs: Double?
    public var tpotMs: Double?
    public var stepMs: Double
    public var computeMs: Double
    public var communicationMs: Double
    public var kvCacheBytesPerToken: Double
    public var maxBatchPerGPU: Int?
    public var weightsGBPerGPU: Double
    public var kvCacheGBPerGPU: Double
    public var usdPerMillionTokens: Double?
    public var gpuHours: Double?
    public var days: Double?
    public var costUSD: Double?
    /// Training only: conventional MFU (model FLOPs / BF16 peak) and FLOPs per token.
    public var mfu: Double?
    public var flopsPerToken: Double?
    public var notes: [String]
    public var ops: [OpEstimate]
    /// Serving: the batch (decode: sequences per GPU; prefill: prompt tokens per GPU per step) estimated,
    /// and the one asked for (they differ when the asked one's KV cache did not fit).
    public var sizePerGPU: Int? = nil
    public var requestedSizePerGPU: Int? = nil
    /// Serving with experts: busiest expert GPU's load / mean.
    public var expertImbalance: Double? = nil
    /// Serving: the calibration id, and whether it is extrapolated to another architecture.
    public var calibration: String? = nil
    public var extrapolated: Bool? = nil
    /// Serving: the layer kinds of one pipeline stage.
    public var layers: [LayerEstimate] = []
}

extension Estimate {
    /// Encodes every key, writing `null` for values that do not apply (so `--json` always carries
    /// tokensPerSecondPerGPU, tokensPerSecondPerNode, ttftMs, tpotMs, gpuHours, costUSD and ops).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model); try c.encode(gpu, forKey: .gpu); try c.encode(mode, forKey: .mode)
        try c.encode(gpus, forKey: .gpus); try c.encode(nodes, forKey: .nodes)
        try c.encode(tp, forKey: .tp); try c.encode(ep, forKey: .ep); try c.encode(pp, forKey: .pp); try c.encode(dp, forKey: .dp)
        try c.encode(dtype, forKey: .dtype); try c.encode(overlap, forKey: .overlap)
        try c.encode(tokensPerSecondPerGPU, forKey: .tokensPerSecondPerGPU)
        try c.encode(tokensPerSecondPerNode, forKey: .tokensPerSecondPerNode)
        try c.encode(ttftMs, forKey: .ttftMs); try c.encode(tpotMs, forKey: .tpotMs)
        try c.encode(stepMs, forKey: .stepMs); try c.encode(computeMs, forKey: .computeMs)
        try c.encode(communicationMs, forKey: .communicationMs)
        try c.encode(kvCacheBytesPerToken, forKey: .kvCacheBytesPerToken); try c.encode(maxBatchPerGPU, forKey: .maxBatchPerGPU)
        try c.encode(weightsGBPerGPU, forKey: .weightsGBPerGPU); try c.encode(kvCacheGBPerGPU, forKey: .kvCacheGBPerGPU)
        try c.encode(usdPerMillionTokens, forKey: .usdPerMillionTokens)
        try c.encode(gpuHours, forKey: .gpuHours); try c.encode(days, forKey: .days); try c.encode(costUSD, forKey: .costUSD)
        try c.encode(mfu, forKey: .mfu); try c.encode(flopsPerToken, forKey: .flopsPerToken)
        try c.encode(notes, forKey: .notes); try c.encode(ops, forKey: .ops)
        try c.encode(sizePerGPU, forKey: .sizePerGPU); try c.encode(requestedSizePerGPU, forKey: .requestedSizePerGPU)
        try c.encode(expertImbalance, forKey: .expertImbalance)
        try c.encode(calibration, forKey: .calibration); try c.encode(extrapolated, forKey: .extrapolated)
        try c.encode(layers, forKey: .layers)
    }

    /// Every number the estimate reports is finite and non-negative (an input that slipped through
    /// range checks is reported instead of printing inf, nan or a negative time).
    func checkFinite() throws(SimulatorError) {
        var values: [(String, Double)] = [
            ("tokensPerSecondPerGPU", tokensPerSecondPerGPU), ("tokensPerSecondPerNode", tokensPerSecondPerNode),
            ("stepMs", stepMs), ("computeMs", computeMs), ("communicationMs", communicationMs),
            ("weightsGBPerGPU", weightsGBPerGPU), ("kvCacheGBPerGPU", kvCacheGBPerGPU),
        ]
        for (name, v) in [("ttftMs", ttftMs), ("tpotMs", tpotMs), ("usdPerMillionTokens", usdPerMillionTokens),
                          ("gpuHours", gpuHours), ("days", days), ("costUSD", costUSD), ("mfu", mfu)] {
            if let v { values.append((name, v)) }
        }
        for op in ops { values.append(("op \(op.name) timeMs", op.timeMs)) }
        for (name, v) in values where !(v.isFinite && v >= 0) {
            throw .invalidValue(field: name, value: "\(v)", expected: "a finite non-negative result; an input is out of range")
        }
    }
}

/// `v` with `digits` decimals, without Foundation's formatter (whose first use costs milliseconds, more
/// than the estimate itself).
func fixed(_ v: Double, _ digits: Int) -> String {
    guard v.isFinite else { return "\(v)" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(v) * scale).rounded(.toNearestOrEven)
    guard scaled < 9e15 else { return "\(v)" }
    let n = Int(scaled), whole = n / Int(scale), frac = n % Int(scale)
    var text = (v < 0 && n > 0 ? "-" : "") + String(whole)
    if digits > 0 {
        let f = String(frac)
        text += "." + String(repeating: "0", count: digits - f.count) + f
    }
    return text
}
