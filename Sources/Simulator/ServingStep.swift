import Foundation
import Models

/// One serving step of one pipeline stage, layer by layer.
///
/// Without overlap a layer takes compute + communication. With overlap (two micro-batches) every op runs
/// twice on half the tokens (smaller GEMMs, weights read twice, two all-to-all launches) and a layer takes
/// max(compute, communication) of the two: the shorter stream is hidden, not removed — its ops are still
/// listed, marked "overlap", and one micro-batch's shorter part is added once to fill the pipeline. While
/// the DeepEP normal kernels overlap they hold their SMs, so overlapped compute runs on fewer SMs.
enum ServingStep {
    static func estimate(_ r: InferenceRequest, workload: GraphWorkload, redundantExperts: Int) throws(SimulatorError) -> Estimate {
        let model = r.model, gpu = r.gpu, layout = r.layout
        let kernels = KernelModel(gpu: gpu, calibration: r.calibration)
        let tp = Double(layout.tp), pp = Double(layout.pp)
        let isPrefill = workload.mode == .prefill
        let family: AllToAllKernel = isPrefill ? .normal : .lowLatency
        let micro = r.overlap ? OpGraph.halfWorkload(workload) : nil
        let overlapping = micro != nil
        let stepWorkload = micro ?? workload
        let graph = OpGraph(model: model, workload: stepWorkload, precision: r.precision)
        let repeats = overlapping ? 2.0 : 1.0
        // The all-to-all's SMs are a count (they drive the links); a GPU keeps at least half its SMs for compute.
        let reserved = overlapping && layout.ep > 1
            ? min(family == .normal ? r.calibration.normal.smsReserved : r.calibration.lowLatency.smsReserved, gpu.sms / 2) : 0
        let cost = CostModel(model: model, kernels: kernels, layout: layout, precision: r.precision, mode: workload.mode,
                             tokensPerGPU: Double(stepWorkload.tokens) / tp, allToAll: family, reservedSMs: reserved,
                             redundantExperts: redundantExperts,
                             expertSkew: r.expertSkew ?? r.calibration.experts.staticSkew)

        // Layer kinds of a stage and, per kind, one layer's compute and communication (both micro-batches).
        let denseRange = 0..<model.denseLayerCount, moeRange = model.denseLayerCount..<model.numHiddenLayers
        struct Kind { var name: String; var range: Range<Int>; var compute = 0.0; var communication = 0.0 }
        var kinds = [Kind(name: "dense", range: denseRange), Kind(name: "moe", range: moeRange)]
        func layersOf(_ op: Op, _ kind: Kind) -> Double {
            Double(op.layers.clamped(to: kind.range).count) / pp
        }
        var priced: [(op: Op, cost: CostModel.Cost)] = []
        var modelLevel = 0.0
        for op in graph.ops {
            let c = try cost.cost(op)
            priced.append((op, c))
            if op.layers.isEmpty {
                modelLevel += c.time.total * repeats
                continue
            }
            for i in kinds.indices where layersOf(op, kinds[i]) > 0 {
                if c.isCommunication { kinds[i].communication += c.time.total * repeats }
                else { kinds[i].compute += c.time.total * repeats }
            }
        }
        // The small kernels the graph does not list (RoPE, quantization, activation, top-k, residual adds).
        let smallKernels = Double(r.calibration.elementwise.otherKernelsPerLayer)
        let smallBytes = Double(stepWorkload.tokens) * Double(model.hiddenSize) * r.precision.activationBytes * 2 * smallKernels
        let small = kernels.elementwise(bytes: smallBytes, kernels: smallKernels)
        for i in kinds.indices { kinds[i].compute += small.total * repeats }

        // Stage time: each layer kind's count × its layer time, the model-level ops, the pipeline fill.
        var stage = modelLevel
        var fill = 0.0
        var layers: [LayerEstimate] = []
        for kind in kinds {
            let count = Double(kind.range.count) / pp
            guard count > 0 else { continue }
            let time = overlapping ? max(kind.compute, kind.communication) : kind.compute + kind.communication
            stage += count * time
            if overlapping { fill = max(fill, min(kind.compute, kind.communication) / repeats) }
            layers.append(LayerEstimate(kind: kind.name, count: count, computeMs: kind.compute * 1e3,
                                        communicationMs: kind.communication * 1e3, timeMs: time * 1e3,
                                        bound: kind.compute >= kind.communication ? "compute" : "communication"))
        }
        stage += fill

        // Per-op rows: all occurrences, with the part hidden behind the other stream.
        var ops: [OpEstimate] = []
        var compute = 0.0, communication = 0.0
        func row(_ name: String, _ kind: String, count: Double, flops: Double, bytes: Double, t: KernelTime,
                 hiddenCount: Double) -> OpEstimate {
            var o = OpEstimate(name: name, kind: kind, count: count, flopsPerGPU: flops * count, bytesPerGPU: bytes * count,
                               timeMs: t.total * count * 1e3, bound: t.bound)
            o.computeMs = t.compute * count * 1e3
            o.memoryMs = t.memory * count * 1e3
            o.communicationMs = t.network * count * 1e3
            o.fixedMs = t.fixed * count * 1e3
            o.hiddenMs = t.total * hiddenCount * 1e3
            o.efficiency = t.efficiency
            o.source = t.source
            if hiddenCount > 0 && hiddenCount * 2 >= count { o.bound = "overlap" }
            return o
        }
        for (op, c) in priced where c.time.total > 0 || c.flops > 0 {
            var count = repeats, hidden = 0.0
            if !op.layers.isEmpty {
                count = 0
                for kind in kinds {
                    let n = layersOf(op, kind) * repeats
                    count += n
                    let hiddenStream = c.isCommunication ? kind.communication <= kind.compute : kind.compute < kind.communication
                    if overlapping && hiddenStream { hidden += n }
                }
            }
            if c.isCommunication { communication += c.time.total * count } else { compute += c.time.total * count }
            ops.append(row(op.name, op.kind.rawValue, count: count, flops: c.flops, bytes: c.bytes, t: c.time, hiddenCount: hidden))
        }
        let smallCount = Double(model.numHiddenLayers) / pp * repeats
        compute += small.total * smallCount
        let smallHidden = overlapping ? kinds.filter { $0.compute < $0.communication }
            .reduce(0.0) { $0 + Double($1.range.count) / pp * repeats } : 0
        ops.append(row("small_kernels", "elementwise", count: smallCount, flops: 0, bytes: smallBytes, t: small,
                       hiddenCount: smallHidden))
        let groupTokens = Double(workload.tokens)
        let hop = cost.pipelineHop(groupTokens: groupTokens)
        if hop.time.total > 0 {
            stage += hop.time.total
            communication += hop.time.total
            ops.append(row("pp_send_recv", "communication", count: 1, flops: 0, bytes: hop.bytes, t: hop.time, hiddenCount: 0))
        }

        var notes: [String] = []
        if !overlapping && r.overlap { notes.append("overlap without micro-batches: a single token per GPU cannot be split") }
        if overlapping {
            notes.append("two micro-batches: each layer takes the longer of its compute and communication streams; pipeline fill "
                         + fixed(fill * 1e3, 3) + " ms"
                         + (reserved > 0 ? ", compute on \(gpu.sms - reserved) of \(gpu.sms) SMs while the normal all-to-all runs" : ""))
        }
        var imbalance: Double?
        if model.isMoE && layout.ep > 1 {
            let pairs = cost.tokensPerGPU * Double(model.topK)
            imbalance = cost.expertImbalance(pairsPerGPU: pairs)
            notes.append("experts: " + fixed(cost.expertSlotsPerGPU, 0) + " slots per GPU (\(redundantExperts) redundant in the EP group), busiest GPU "
                         + fixed(imbalance ?? 1, 2) + " × the mean load (static skew " + fixed(cost.expertSkew, 2)
                         + ", assumption; see profiles/calibration); all-to-all: DeepEP " + (family == .normal ? "normal" : "low-latency") + " kernels")
        }
        notes.append("calibration \(r.calibration.id)" + (kernels.extrapolated
            ? " measured on \(r.calibration.architecture), EXTRAPOLATED to \(gpu.architecture) (\(gpu.id)): same fractions, other tiles and links may differ"
            : " (\(r.calibration.architecture), same architecture as \(gpu.id))"))

        let latency = stage * pp
        let tokensPerGPU = groupTokens / tp
        let perGPU = tokensPerGPU / latency
        return Estimate(
            model: model.id, gpu: gpu.id, mode: isPrefill ? "prefill" : "decode", gpus: layout.gpus,
            nodes: layout.nodes(gpusPerNode: gpu.gpusPerNode), tp: layout.tp, ep: layout.ep, pp: layout.pp,
            dp: layout.dp, dtype: r.precision.gemmDtype, overlap: r.overlap,
            tokensPerSecondPerGPU: perGPU, tokensPerSecondPerNode: perGPU * Double(gpu.gpusPerNode),
            ttftMs: isPrefill ? latency * 1e3 : nil, tpotMs: isPrefill ? nil : latency * 1e3,
            stepMs: stage * 1e3, computeMs: compute * 1e3, communicationMs: communication * 1e3,
            kvCacheBytesPerToken: 0, maxBatchPerGPU: nil, weightsGBPerGPU: 0, kvCacheGBPerGPU: 0,
            usdPerMillionTokens: nil, gpuHours: nil, days: nil, costUSD: nil, mfu: nil, flopsPerToken: nil,
            notes: notes, ops: ops, expertImbalance: imbalance, calibration: r.calibration.id,
            extrapolated: kernels.extrapolated, layers: layers)
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
