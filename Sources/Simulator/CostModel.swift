import Foundation
import Models

/// Prices one op of an `OpGraph` on one GPU of a serving deployment with the calibrated kernel laws
/// (`KernelModel`): GEMMs by shape (grouped per expert with the tokens the busiest GPU really gets),
/// attention by compute vs KV streaming, small kernels at HBM speed, all-to-all with the kernel family
/// of the phase (DeepEP normal for prefill, low-latency for decode).
struct CostModel {
    let model: ModelConfig
    let kernels: KernelModel
    let layout: Deployment
    let precision: Precision
    let mode: GraphWorkload.Mode
    /// New tokens one GPU owns in this (micro-)step (after TP division).
    let tokensPerGPU: Double
    /// The all-to-all kernel family.
    let allToAll: AllToAllKernel
    /// SMs the all-to-all holds while it overlaps compute (0 without overlap).
    let reservedSMs: Int
    /// Replicated experts (EPLB) and the static skew of the busiest expert GPU.
    let redundantExperts: Int
    let expertSkew: Double

    /// One op occurrence on one GPU: the kernel time and the per-GPU FLOPs and bytes behind it.
    struct Cost {
        var time: KernelTime
        var flops: Double
        var bytes: Double
        var isCommunication: Bool
    }

    var tp: Double { Double(layout.tp) }
    var gpu: GPUProfile { kernels.gpu }

    /// KV heads a TP group can split the cache over (MLA's latent cache is shared by all heads).
    var kvShards: Double { model.usesMLA ? 1 : Double(min(layout.tp, model.numKeyValueHeads)) }

    var routing: Routing { Routing(topK: model.topK, groups: model.nGroup, nodeGroups: model.topkGroup) }

    /// Expert slots per GPU with expert parallelism (routed + redundant, spread evenly).
    var expertSlotsPerGPU: Double {
        (Double(model.routedExperts + redundantExperts) / Double(layout.ep)).rounded(.up)
    }

    /// Busiest expert GPU's load / mean: the static skew, shrunk by redundant experts, times the sampling
    /// imbalance of `pairs` uniformly routed (token, expert) pairs per GPU over `ep` GPUs.
    func expertImbalance(pairsPerGPU: Double) -> Double {
        guard layout.ep > 1 else { return 1 }
        let ep = Double(layout.ep)
        let skew = 1 + (expertSkew - 1) * ep / (ep + Double(redundantExperts))
        let sampling = 1 + (2 * log(ep) / max(pairsPerGPU, 1)).squareRoot()
        return skew * sampling
    }

    func cost(_ op: Op) throws(SimulatorError) -> Cost {
        switch op.kind {
        case .communication: return communication(op)
        case .attention: return try attention(op)
        case .routedExperts: return try experts(op)
        case .gemm, .lmHead, .router: return try gemm(op)
        case .norm, .embedding:
            // Norms run on every TP rank over the whole group's tokens; the embedding is vocab-parallel.
            let bytes = op.kind == .embedding ? (op.weightBytes + op.activationBytes) / tp : op.weightBytes + op.activationBytes
            return Cost(time: kernels.elementwise(bytes: bytes), flops: op.flops, bytes: bytes, isCommunication: false)
        }
    }

    /// Ops that ship fused into the kernel before them (no launch of their own): K and V with Q, the
    /// latent KV projection with the latent Q projection (DeepGEMM's 2112 = 1536 + 576 shape), up with gate.
    static let fusedIntoPrevious: Set<String> = ["k_proj", "v_proj", "kv_a_proj_with_mqa", "up_proj", "shared_experts.up_proj"]
    /// Row-parallel projections: TP splits their K (input) dimension instead of N.
    static let rowParallel: Set<String> = ["o_proj", "down_proj", "shared_experts.down_proj"]

    func gemm(_ op: Op) throws(SimulatorError) -> Cost {
        var m = Double(op.m), n = Double(op.n), k = Double(op.k), groups = 1.0
        var dtype = precision.gemmDtype
        var weightBytes = precision.weightBytes
        if op.kind == .router { dtype = "bf16"; weightBytes = 2 }
        if op.name == "q_absorb" || op.name == "v_up" {
            // Per-head batched GEMMs of the absorbed MLA decode (BF16): heads/tp groups of m × out × in.
            let heads = Double(model.numAttentionHeads) / tp
            let rank = Double(model.kvLoraRank ?? 0), nope = Double(model.qkNopeHeadDim ?? 0), v = Double(model.vHeadDim ?? 0)
            groups = heads
            (n, k) = op.name == "q_absorb" ? (rank, nope) : (v, rank)
            dtype = "bf16"; weightBytes = 2
        } else if CostModel.rowParallel.contains(op.name) {
            k /= tp
        } else {
            n /= tp
        }
        let input = inputBytes(dtype)
        let t = try kernels.gemm(m: m, n: n, k: k, groups: groups, dtype: dtype, weightBytes: weightBytes,
                                 inputBytes: input, outputBytes: precision.activationBytes, reservedSMs: reservedSMs,
                                 fixed: !CostModel.fusedIntoPrevious.contains(op.name))
        m = max(m, 0)
        let bytes = groups * (n * k * weightBytes + m * k * input + m * n * precision.activationBytes)
        return Cost(time: t, flops: 2 * m * n * k * groups, bytes: bytes, isCommunication: false)
    }

    /// Bytes per A element: FP8 GEMMs read activations quantized to FP8 (DeepGEMM), others the activation dtype.
    func inputBytes(_ dtype: String) -> Double { dtype == "fp8" ? 1 : precision.activationBytes }

    func attention(_ op: Op) throws(SimulatorError) -> Cost {
        let flops = op.flops / tp
        let bytes = op.kvBytes / kvShards + op.activationBytes / tp
        var padded = flops
        if model.usesMLA && mode == .decode {
            // FlashMLA computes query heads (× query tokens, 1 in decode) in blocks of 64.
            let heads = Double(model.numAttentionHeads) / tp
            let block = Double(kernels.calibration.attention.headPadding)
            padded = flops * (heads / block).rounded(.up) * block / heads
        }
        let t = try kernels.attention(flops: flops, paddedFLOPs: padded, bytes: bytes, reservedSMs: reservedSMs)
        return Cost(time: t, flops: flops, bytes: bytes, isCommunication: false)
    }

    /// Routed experts as two grouped GEMMs (gate+up fused, down) over the experts the busiest GPU holds,
    /// each with the tokens it really gets.
    func experts(_ op: Op) throws(SimulatorError) -> Cost {
        let h = Double(model.hiddenSize), f = Double(model.expertFFN), k = Double(model.topK)
        let pairs: Double, slots: Double, ffnWidth: Double
        if layout.ep > 1 {
            pairs = tokensPerGPU * k * expertImbalance(pairsPerGPU: tokensPerGPU * k)
            slots = expertSlotsPerGPU
            ffnWidth = f
        } else {
            // Every GPU holds a 1/tp slice of every expert and sees the whole group's tokens.
            pairs = tokensPerGPU * tp * k
            slots = Double(model.routedExperts)
            ffnWidth = f / tp
        }
        guard pairs > 0 else { return Cost(time: .zero, flops: 0, bytes: 0, isCommunication: false) }
        // Slots that get at least one token (Poisson), and the tokens each of those gets.
        let touched = max(1, slots * (1 - exp(-pairs / slots)))
        let m = pairs / touched
        let ab = precision.activationBytes, wb = precision.weightBytes
        let input = inputBytes(precision.gemmDtype)
        let gateUp = try kernels.gemm(m: m, n: 2 * ffnWidth, k: h, groups: touched, dtype: precision.gemmDtype,
                                      weightBytes: wb, inputBytes: input, outputBytes: ab, reservedSMs: reservedSMs)
        let down = try kernels.gemm(m: m, n: h, k: ffnWidth, groups: touched, dtype: precision.gemmDtype,
                                    weightBytes: wb, inputBytes: input, outputBytes: ab, reservedSMs: reservedSMs)
        var t = KernelTime(source: "DeepGEMM fit (grouped)")
        t.compute = gateUp.compute + down.compute
        t.memory = gateUp.memory + down.memory
        t.fixed = gateUp.fixed + down.fixed
        t.total = gateUp.total + down.total
        let flops = 2 * pairs * 3 * h * ffnWidth
        let bytes = touched * 3 * h * ffnWidth * wb + pairs * (2 * h + 3 * ffnWidth) * ab
        t.bound = gateUp.total >= down.total ? gateUp.bound : down.bound
        let peak = gpu.peakFLOPS(precision.gemmDtype) ?? 0
        t.efficiency = t.bound == "memory" ? bytes / (t.total * kernels.hbm) : flops / (t.total * peak)
        return Cost(time: t, flops: flops, bytes: bytes, isCommunication: false)
    }

    func communication(_ op: Op) -> Cost {
        switch op.collective {
        case .tensorAllReduce?:
            let t = kernels.allReduce(bytes: op.payloadBytes, n: layout.tp)
            return Cost(time: t, flops: 0, bytes: t.total > 0 ? 2 * (tp - 1) / tp * op.payloadBytes : 0, isCommunication: true)
        case .expertDispatch?, .expertCombine?:
            let combine = op.collective == .expertCombine
            let perToken = Double(model.hiddenSize) * (combine ? precision.combineBytes : precision.dispatchBytes)
            let a = kernels.allToAll(allToAll, combine: combine, tokens: tokensPerGPU, ep: layout.ep, routing: routing,
                                     bytesPerToken: perToken)
            return Cost(time: a.time, flops: 0, bytes: a.logicalBytes, isCommunication: true)
        case nil:
            return Cost(time: .zero, flops: 0, bytes: 0, isCommunication: true)
        }
    }

    /// Pipeline send/receive of one micro-batch's activations between two stages.
    func pipelineHop(groupTokens: Double) -> (time: KernelTime, bytes: Double) {
        guard layout.pp > 1 else { return (.zero, 0) }
        let bytes = groupTokens * Double(model.hiddenSize) * precision.activationBytes / tp
        let crossesNodes = layout.gpus / layout.pp >= gpu.gpusPerNode
        return (kernels.send(bytes: bytes, crossesNodes: crossesNodes), bytes)
    }
}
