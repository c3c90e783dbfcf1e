import Foundation
import Models

/// The MoE all-to-all kernel families (DeepEP): normal kernels for prefill and training, low-latency
/// kernels for decode.
public enum AllToAllKernel: String, Sendable, Codable {
    case normal, lowLatency
}

/// How tokens choose expert GPUs: `topK` experts per token, uniform, within at most `nodeGroups` of
/// `groups` expert groups (node-limited routing: DeepSeek-V3 routes to ≤ 4 of 8 groups); nil: no limit.
public struct Routing: Sendable, Equatable {
    public var topK: Int
    public var groups: Int?
    public var nodeGroups: Int?

    /// Expected distinct nodes a token reaches among `nodes`, and how likely its own node is one of them.
    func nodes(_ nodes: Double) -> (distinct: Double, own: Double) {
        var pool = nodes
        if let groups, let limit = nodeGroups, groups > 0, limit > 0, limit < groups {
            // Groups spread evenly over nodes: with at least one node per group the chosen groups cover
            // nodes × limit / groups nodes; with several groups per node at most `limit` nodes.
            pool = nodes >= Double(groups) ? nodes * Double(limit) / Double(groups) : min(nodes, Double(limit))
        }
        pool = max(1, min(pool, nodes))
        let hit = 1 - pow(1 - 1 / pool, Double(topK))
        return (pool * hit, pool / nodes * hit)
    }
}

extension KernelModel {
    /// One dispatch (or combine) on one GPU that owns `tokens` tokens, each going to `routing.topK` of
    /// the experts spread over `ep` GPUs, `bytesPerToken` per copy. Returns the time and the logical bytes
    /// (DeepEP's bandwidth convention: per target node for normal kernels, per (token, expert) for
    /// low-latency kernels).
    func allToAll(_ kernel: AllToAllKernel, combine: Bool, tokens: Double, ep: Int, routing: Routing,
                  bytesPerToken: Double) -> (time: KernelTime, logicalBytes: Double) {
        guard ep > 1, tokens > 0, routing.topK > 0 else { return (.zero, 0) }
        let k = Double(routing.topK), e = Double(ep)
        let local = Double(min(ep, gpu.gpusPerNode))
        var t = KernelTime()
        var logical = 0.0
        switch kernel {
        case .lowLatency:
            let c = calibration.lowLatency
            let b = bytesPerToken + (combine ? 0 : c.headerBytesPerToken)
            let pairs = tokens * k
            logical = pairs * b
            let remote = pairs * (e - local) / e * b
            let sameNode = pairs * (local - 1) / e * b
            let tNet = remote / (nic * c.networkEfficiency * networkScale)
            let tNVL = sameNode / (nvlinkPerDirection * c.nvlinkEfficiency * nvlinkScale)
            t.network = max(tNet, tNVL)
            t.fixed = (combine ? c.combineFixedUs : c.dispatchFixedUs) * 1e-6
            t.source = "DeepEP low-latency fit"
            t.total = t.network + t.fixed
            t.bound = t.fixed > t.network ? "latency" : (tNet >= tNVL ? "network" : "nvlink")
            t.efficiency = tNet >= tNVL ? remote / (t.total * nic) : sameNode / (t.total * nvlinkPerDirection)
        case .normal:
            let c = calibration.normal
            t.fixed = c.fixedUs * 1e-6
            t.source = "DeepEP normal fit"
            if ep <= gpu.gpusPerNode {
                let distinctGPUs = e * (1 - pow(1 - 1 / e, k))
                logical = tokens * distinctGPUs * bytesPerToken
                let eff = combine ? c.intranodeEfficiencyCombine : c.intranodeEfficiencyDispatch
                t.network = logical / (nvlinkPerDirection * eff * nvlinkScale)
                t.total = t.network + t.fixed
                t.bound = t.fixed > t.network ? "latency" : "nvlink"
                t.efficiency = logical / (t.total * nvlinkPerDirection)
            } else {
                let nodes = e / local
                let reach = routing.nodes(nodes)
                logical = tokens * reach.distinct * bytesPerToken
                let rdmaBytes = tokens * (reach.distinct - reach.own) * bytesPerToken
                // Each token arriving at a node is forwarded over NVLink to the node's GPUs that hold its
                // experts (k / distinct experts per reached node).
                let perNode = k / reach.distinct
                let targets = local * (1 - pow(1 - 1 / local, perNode))
                let nvlBytes = tokens * reach.distinct * targets * (local - 1) / local * bytesPerToken
                let eff = combine ? c.rdmaEfficiencyCombine : c.rdmaEfficiencyDispatch
                let tNet = rdmaBytes / (nic * eff * networkScale)
                let tNVL = nvlBytes / (nvlinkPerDirection * c.nvlinkForwardEfficiency * nvlinkScale)
                t.network = max(tNet, tNVL)
                t.total = t.network + t.fixed
                t.bound = t.fixed > t.network ? "latency" : (tNet >= tNVL ? "network" : "nvlink")
                t.efficiency = tNet >= tNVL ? rdmaBytes / (t.total * nic) : nvlBytes / (t.total * nvlinkPerDirection)
            }
        }
        return (t, logical)
    }

    /// Tensor-parallel all-reduce of `bytes` over `n` GPUs: inside a node reduce-scatter + all-gather
    /// straight to every peer (2(n−1)/n of the payload, two latency steps); across nodes a ring.
    func allReduce(bytes: Double, n: Int) -> KernelTime {
        guard n > 1, bytes > 0 else { return .zero }
        let intra = n <= gpu.gpusPerNode
        let d = Double(n)
        let moved = 2 * (d - 1) / d * bytes
        var t = KernelTime(source: intra ? "NVLink (ISCA'25 ~160 GB/s)" : "NIC line rate × efficiency")
        let bandwidth = intra ? nvlinkPerDirection * gpu.efficiency.nvlink : nic * gpu.efficiency.network
        t.network = moved / bandwidth
        t.fixed = (intra ? 2 : 2 * (d - 1)) * (intra ? gpu.nvlinkLatencyUs : gpu.networkLatencyUs) * 1e-6
        t.total = t.network + t.fixed
        t.bound = t.fixed > t.network ? "latency" : (intra ? "nvlink" : "network")
        t.efficiency = moved / (t.total * (intra ? nvlinkPerDirection : nic))
        return t
    }

    /// Point-to-point send of `bytes` (pipeline stages).
    func send(bytes: Double, crossesNodes: Bool) -> KernelTime {
        guard bytes > 0 else { return .zero }
        var t = KernelTime(source: crossesNodes ? "NIC line rate × efficiency" : "NVLink (ISCA'25 ~160 GB/s)")
        let bandwidth = crossesNodes ? nic * gpu.efficiency.network : nvlinkPerDirection * gpu.efficiency.nvlink
        t.network = bytes / bandwidth
        t.fixed = (crossesNodes ? gpu.networkLatencyUs : gpu.nvlinkLatencyUs) * 1e-6
        t.total = t.network + t.fixed
        t.bound = t.fixed > t.network ? "latency" : (crossesNodes ? "network" : "nvlink")
        t.efficiency = bytes / (t.total * (crossesNodes ? nic : nvlinkPerDirection))
        return t
    }
}
