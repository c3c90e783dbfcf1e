import Foundation
import Models

/// A serving scenario: model, GPU, layout, phase (prefill and decode are simulated separately, as in
/// disaggregated serving), precision and options.
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
    public var layout: Deployment
    public var phase: Phase
    public var precision: Precision
    /// Overlap communication with computation (two micro-batches, DeepSeek's serving practice):
    /// step = max(compute, communication) instead of their sum.
    public var overlap: Bool
    /// Price per GPU-hour for $ per million tokens.
    public var pricePerGPUHour: Double?
    /// Tokens to serve, for GPU-hours and cost.
    public var totalTokens: Double?
    /// Fraction of HBM usable for weights + KV cache (the rest: activations, workspace, fragmentation).
    /// 0.9 is vLLM's default `gpu_memory_utilization`.
    public var usableMemoryFraction: Double

    public init(model: ModelConfig, gpu: GPUProfile, layout: Deployment, phase: Phase, precision: Precision = .fp8,
                overlap: Bool = false, pricePerGPUHour: Double? = nil, totalTokens: Double? = nil,
                usableMemoryFraction: Double = 0.9) {
        self.model = model; self.gpu = gpu; self.layout = layout; self.phase = phase; self.precision = precision
        self.overlap = overlap; self.pricePerGPUHour = pricePerGPUHour; self.totalTokens = totalTokens
        self.usableMemoryFraction = usableMemoryFraction
    }
}

/// One op's share of a step on one GPU.
public struct OpEstimate: Codable, Sendable, Equatable {
    public var name: String
    public var kind: String
    /// Occurrences on this GPU per step (layers of the stage).
    public var count: Double
    public var flopsPerGPU: Double
    public var bytesPerGPU: Double
    public var timeMs: Double
    /// "compute", "memory", "nvlink", "network" or "none".
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
}

/// Prices an `OpGraph` on a GPU deployment.
public enum InferenceSimulator {
    /// Simulates one step of `request.phase` and derives throughput, latency, memory and cost.
    public static func estimate(_ r: InferenceRequest) throws(SimulatorError) -> Estimate {
        let model = r.model, gpu = r.gpu, layout = r.layout
        try layout.validate(model: model)
        let tp = layout.tp
        let workload: GraphWorkload
        var notes: [String] = []
        switch r.phase {
        case let .prefill(tokensPerGPU, inputLength, cached):
            guard tokensPerGPU >= 1, inputLength >= 1, cached >= 0 else {
                throw .invalidValue(field: "prefill", value: "\(tokensPerGPU)/\(inputLength)/\(cached)",
                                    expected: "tokens-per-gpu ≥ 1, input-len ≥ 1, cached ≥ 0")
            }
            let group = tokensPerGPU * tp
            if group >= inputLength {
                guard group % inputLength == 0 else {
                    throw .invalidValue(field: "--tokens-per-gpu", value: "\(tokensPerGPU)",
                                        expected: "a multiple of input-len / tp (\(inputLength) / \(tp)) so prompts are whole")
                }
                workload = .prefill(sequences: group / inputLength, tokens: inputLength, past: cached)
            } else {
                workload = .prefill(sequences: 1, tokens: group, past: cached)
                notes.append("chunked prefill: \(group) of the \(inputLength) prompt tokens per step")
            }
        case let .decode(batch, context):
            guard batch >= 1, context >= 0 else {
                throw .invalidValue(field: "--batch", value: "\(batch)", expected: "at least 1 sequence per GPU")
            }
            workload = .decode(batch: batch * tp, context: context)
        }
        let graph = OpGraph(model: model, workload: workload, precision: r.precision)
        let groupTokens = Double(workload.tokens)
        let cost = CostModel(model: model, gpu: gpu, layout: layout, precision: r.precision,
                             tokensPerGPU: groupTokens / Double(tp))

        // Memory: weights per GPU and the KV cache of the sequences it holds.
        let memory = memoryPerGPU(graph: graph, layout: layout, precision: r.precision)
        let kvPerToken = Double(model.kvCacheElementsPerToken) * r.precision.kvBytes
        let perSequenceKV = Double(workload.past + workload.newTokens) * kvPerToken * Double(tp) / cost.kvShards
        let sequencesPerGPU = Double(workload.sequences) / Double(tp)
        let kvBytes = perSequenceKV * sequencesPerGPU
        let usable = gpu.hbmGB * 1e9 * r.usableMemoryFraction
        let maxBatch = perSequenceKV > 0 ? Int(max(0, (usable - memory.weights) / perSequenceKV)) : 0
        if memory.weights + kvBytes > usable {
            throw .doesNotFit(neededGB: (memory.weights + kvBytes) / 1e9, availableGB: usable / 1e9, maxBatch: maxBatch,
                              detail: String(format: "weights %.1f GB + KV cache %.1f GB on %@", memory.weights / 1e9,
                                             kvBytes / 1e9, gpu.id))
        }

        // Step time of one pipeline stage. With overlap the step runs as two micro-batches of half the
        // work each (DeepSeek's serving practice): every op runs twice on half the tokens — so weights are
        // read twice, which costs memory-bound decode (LMSYS H20 blog, "Why not TBO") — and the step is
        // max(compute, communication) instead of their sum.
        let micro = r.overlap ? OpGraph.halfWorkload(workload) : nil
        let stepGraph = micro.map { OpGraph(model: model, workload: $0, precision: r.precision) } ?? graph
        let repeats = micro == nil ? 1.0 : 2.0
        let stepCost = CostModel(model: model, gpu: gpu, layout: layout, precision: r.precision,
                                 tokensPerGPU: Double(stepGraph.workload.tokens) / Double(tp))
        var ops: [OpEstimate] = []
        var compute = 0.0, communication = 0.0
        let pp = Double(layout.pp)
        for op in stepGraph.ops {
            let c = try stepCost.cost(op)
            let count = (op.layers.isEmpty ? 1 : Double(op.count) / pp) * repeats
            let t = c.seconds * count
            if c.isCommunication { communication += t } else { compute += t }
            if c.seconds > 0 || c.flops > 0 {
                ops.append(OpEstimate(name: op.name, kind: op.kind.rawValue, count: count, flopsPerGPU: c.flops * count,
                                      bytesPerGPU: c.bytes * count, timeMs: t * 1e3, bound: c.bound))
            }
        }
        if micro == nil && r.overlap { notes.append("overlap without micro-batches: a single token per GPU cannot be split") }
        let hop = cost.pipelineHop(groupTokens: groupTokens)
        if hop > 0 {
            communication += hop
            ops.append(OpEstimate(name: "pp_send_recv", kind: "communication", count: 1, flopsPerGPU: 0,
                                  bytesPerGPU: groupTokens * Double(model.hiddenSize) * r.precision.activationBytes / Double(tp),
                                  timeMs: hop * 1e3, bound: layout.gpus / layout.pp >= gpu.gpusPerNode ? "network" : "nvlink"))
        }
        let stage = r.overlap ? max(compute, communication) : compute + communication
        let latency = stage * pp
        let tokensPerGPU = groupTokens / Double(tp)
        let perGPU = tokensPerGPU / latency
        let isPrefill: Bool
        if case .prefill = r.phase { isPrefill = true } else { isPrefill = false }
        var estimate = Estimate(
            model: model.id, gpu: gpu.id, mode: isPrefill ? "prefill" : "decode", gpus: layout.gpus,
            nodes: layout.nodes(gpusPerNode: gpu.gpusPerNode), tp: layout.tp, ep: layout.ep, pp: layout.pp,
            dp: layout.dp, dtype: r.precision.gemmDtype, overlap: r.overlap,
            tokensPerSecondPerGPU: perGPU, tokensPerSecondPerNode: perGPU * Double(gpu.gpusPerNode),
            ttftMs: isPrefill ? latency * 1e3 : nil, tpotMs: isPrefill ? nil : latency * 1e3,
            stepMs: stage * 1e3, computeMs: compute * 1e3, communicationMs: communication * 1e3,
            kvCacheBytesPerToken: kvPerToken, maxBatchPerGPU: isPrefill ? nil : maxBatch,
            weightsGBPerGPU: memory.weights / 1e9, kvCacheGBPerGPU: kvBytes / 1e9,
            usdPerMillionTokens: nil, gpuHours: nil, days: nil, costUSD: nil, mfu: nil, flopsPerToken: nil,
            notes: notes, ops: ops)
        if let price = r.pricePerGPUHour {
            estimate.usdPerMillionTokens = price / (perGPU * 3600) * 1e6
        }
        if let total = r.totalTokens {
            let hours = total / perGPU / 3600
            estimate.gpuHours = hours
            estimate.days = hours / Double(layout.gpus) / 24
            if let price = r.pricePerGPUHour { estimate.costUSD = hours * price }
        }
        return estimate
    }

    /// Bytes of weights one GPU holds: attention/dense/shared parameters of its stage split by TP,
    /// its `ceil(E/ep)` experts per MoE layer (all experts split by TP when ep = 1), embedding and head.
    static func memoryPerGPU(graph: OpGraph, layout: Deployment, precision: Precision)
                             -> (weights: Double, experts: Double) {
        let model = graph.model
        var dense = 0.0, experts = 0.0
        for op in graph.ops {
            let params = op.parameters * (op.layers.isEmpty ? 1 : Double(op.count) / Double(layout.pp))
            if op.kind == .routedExperts {
                if layout.ep > 1 {
                    let local = (Double(model.routedExperts) / Double(layout.ep)).rounded(.up)
                    experts += params / Double(model.routedExperts) * local
                } else {
                    experts += params / Double(layout.tp)
                }
            } else {
                dense += params / Double(layout.tp)
            }
        }
        return ((dense + experts) * precision.weightBytes, experts * precision.weightBytes)
    }
}

extension OpGraph {
    /// One of two micro-batches of `w`: half the sequences, or for a single sequence half its new tokens
    /// (attending, on average, as far as the whole chunk does). nil when the work cannot be split.
    public static func halfWorkload(_ w: GraphWorkload) -> GraphWorkload? {
        if w.sequences >= 2 && w.sequences % 2 == 0 {
            return GraphWorkload(mode: w.mode, sequences: w.sequences / 2, newTokens: w.newTokens, past: w.past)
        }
        if w.newTokens >= 2 && w.newTokens % 2 == 0 {
            return GraphWorkload(mode: w.mode, sequences: w.sequences, newTokens: w.newTokens / 2, past: w.past + w.newTokens / 4)
        }
        return nil
    }
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
    }
}
