import Foundation
import Models

/// Prices one op of an `OpGraph` on one GPU of a deployment: roofline for compute ops (compute time
/// vs HBM time, each at the profile's sustained fraction), latency + bandwidth for communication.
struct CostModel {
    let model: ModelConfig
    let gpu: GPUProfile
    let layout: Deployment
    let precision: Precision
    /// New tokens one GPU contributes to the step (after TP division).
    let tokensPerGPU: Double

    /// Time of one op occurrence on one GPU, with the per-GPU FLOPs/bytes and what bounds it.
    struct Cost {
        var seconds: Double
        var flops: Double
        var bytes: Double
        var bound: String
        var isCommunication: Bool
    }

    var tp: Double { Double(layout.tp) }

    /// KV heads a TP group can split the cache over (MLA's latent cache is shared by all heads).
    var kvShards: Double { model.usesMLA ? 1 : Double(min(layout.tp, model.numKeyValueHeads)) }

    func cost(_ op: Op) throws(SimulatorError) -> Cost {
        if op.kind == .communication { return communication(op) }
        var flops = op.flops / tp
        var bytes = (op.weightBytes + op.activationBytes) / tp + op.kvBytes / kvShards
        if op.kind == .routedExperts && layout.ep > 1 {
            let experts = Double(model.routedExperts), k = Double(model.topK)
            let local = (experts / Double(layout.ep)).rounded(.up)
            let arrivals = tokensPerGPU * Double(layout.ep)
            let touched = 1 - pow(1 - k / experts, arrivals)
            let perExpert = 3 * Double(model.hiddenSize) * Double(model.expertFFN) * precision.weightBytes
            flops = op.flops / tp
            bytes = local * touched * perExpert + op.activationBytes / tp
        }
        let dtype: String
        let efficiency: Double
        switch op.kind {
        case .attention: dtype = "bf16"; efficiency = gpu.efficiency.attention
        case .gemm, .routedExperts, .router, .lmHead: dtype = precision.gemmDtype; efficiency = gpu.efficiency.gemm
        default: dtype = "bf16"; efficiency = gpu.efficiency.gemm
        }
        guard let peak = gpu.peakFLOPS(dtype), peak > 0 else { throw .unsupportedDtype(gpu: gpu.id, dtype: dtype) }
        let compute = flops / (peak * gpu.efficiency.clock * efficiency)
        let memory = bytes / gpu.sustainedHBM
        return Cost(seconds: max(compute, memory), flops: flops, bytes: bytes,
                    bound: compute >= memory ? "compute" : "memory", isCommunication: false)
    }

    /// Per-direction bandwidth and latency between GPUs of one node.
    var nvlink: (bandwidth: Double, latency: Double) {
        if gpu.nvlinkGBps > 0 { return (gpu.sustainedNVLinkPerDirection, gpu.nvlinkLatencyUs * 1e-6) }
        return (gpu.pcieGBps / 2 * 1e9 * gpu.efficiency.nvlink, gpu.networkLatencyUs * 1e-6)
    }
    var network: (bandwidth: Double, latency: Double) {
        (gpu.sustainedNetworkPerDirection, gpu.networkLatencyUs * 1e-6)
    }

    func communication(_ op: Op) -> Cost {
        switch op.collective {
        case .tensorAllReduce?:
            guard layout.tp > 1 else { return Cost(seconds: 0, flops: 0, bytes: 0, bound: "none", isCommunication: true) }
            // Inside a node (NVSwitch crossbar): reduce-scatter + all-gather straight to every peer,
            // 2(n−1)/n of the payload per link and two latency steps. Across nodes: a ring, 2(n−1) steps.
            let intraNode = layout.tp <= gpu.gpusPerNode
            let link = intraNode ? nvlink : network
            let n = tp
            let bytes = 2 * (n - 1) / n * op.payloadBytes
            let steps = intraNode ? 2 : 2 * (n - 1)
            let t = bytes / link.bandwidth + steps * link.latency
            return Cost(seconds: t, flops: 0, bytes: bytes, bound: intraNode ? "nvlink" : "network", isCommunication: true)
        case .expertDispatch?, .expertCombine?:
            guard layout.ep > 1, tokensPerGPU > 0 else {
                return Cost(seconds: 0, flops: 0, bytes: 0, bound: "none", isCommunication: true)
            }
            let v = expertTraffic(payloadPerGPU: op.payloadBytes / tp)
            let tIntra = v.nvlinkBytes / nvlink.bandwidth
            let tInter = v.networkBytes > 0 ? v.networkBytes / network.bandwidth : 0
            let latency = v.networkBytes > 0 ? network.latency + nvlink.latency : nvlink.latency
            return Cost(seconds: max(tIntra, tInter) + latency, flops: 0, bytes: v.nvlinkBytes + v.networkBytes,
                        bound: tInter >= tIntra ? "network" : "nvlink", isCommunication: true)
        case nil:
            return Cost(seconds: 0, flops: 0, bytes: 0, bound: "none", isCommunication: true)
        }
    }

    /// Bytes one GPU moves over NVLink and over the network for one MoE dispatch (or combine), as
    /// DeepEP's hierarchical kernels do it ([V3-TR] §3.2.2, [ISCA25] §4.3): a token goes over the
    /// network once per remote node that holds any of its experts (to the GPU with the same local index),
    /// then NVLink forwards it to the other target GPUs of that node; targets in the sender's own node
    /// are reached over NVLink directly. A token is sent once per target GPU, not once per expert.
    /// Routing is uniform (balanced), experts spread evenly over the `ep` GPUs.
    func expertTraffic(payloadPerGPU: Double) -> (nvlinkBytes: Double, networkBytes: Double) {
        let k = Double(model.topK)
        let perToken = payloadPerGPU / (tokensPerGPU * k)       // hidden × bytes per element
        let ep = Double(layout.ep)
        let local = Double(min(layout.ep, gpu.gpusPerNode))
        let nodes = ep / local
        let touchedGPU = 1 - pow(1 - 1 / ep, k)                 // a given GPU holds one of the token's experts
        let remoteNodes = (nodes - 1) * (1 - pow(1 - local / ep, k))
        let nvlinkCopies = (local - 1) * touchedGPU + (ep - local) * touchedGPU * (local - 1) / local
        return (tokensPerGPU * nvlinkCopies * perToken, tokensPerGPU * remoteNodes * perToken)
    }

    /// Pipeline send/receive of one micro-batch's activations between two stages.
    func pipelineHop(groupTokens: Double) -> Double {
        guard layout.pp > 1 else { return 0 }
        let bytes = groupTokens * Double(model.hiddenSize) * precision.activationBytes / tp
        let crossesNodes = layout.gpus / layout.pp >= gpu.gpusPerNode
        let link = crossesNodes ? network : nvlink
        return bytes / link.bandwidth + link.latency
    }
}
