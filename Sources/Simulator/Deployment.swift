import Models

/// How a model is laid out over GPUs: tensor (TP), expert (EP), pipeline (PP) and data (DP) parallelism.
///
/// Semantics (DeepSeek-style serving and training): `gpus = tp × pp × dp`; attention and dense FFN
/// weights are split `tp` ways and replicated over `dp`; routed experts are spread over `ep` GPUs of a
/// pipeline stage (`ceil(experts / ep)` per GPU); layers are split evenly over `pp` stages.
public struct Deployment: Codable, Sendable, Equatable, Hashable {
    public var gpus: Int
    public var tp: Int
    public var ep: Int
    public var pp: Int

    public init(gpus: Int, tp: Int = 1, ep: Int = 1, pp: Int = 1) {
        self.gpus = gpus; self.tp = tp; self.ep = ep; self.pp = pp
    }

    /// Data-parallel replicas of the attention/dense part.
    public var dp: Int {
        let (product, overflow) = tp.multipliedReportingOverflow(by: pp)
        return overflow ? 0 : gpus / max(1, product)
    }

    /// Nodes the deployment occupies.
    public func nodes(gpusPerNode: Int) -> Int { (gpus + gpusPerNode - 1) / gpusPerNode }

    /// Checks that `model` can be laid out like this; never adjusts a number. `dp`, when given, must
    /// equal gpus / (tp × pp).
    public func validate(model: ModelConfig, dp requestedDP: Int? = nil) throws(SimulatorError) {
        for (v, name) in [(gpus, "gpus"), (tp, "tp"), (ep, "ep"), (pp, "pp")] where v < 1 {
            throw .impossibleLayout("\(name) must be at least 1, got \(v)")
        }
        let (tpPP, overflow) = tp.multipliedReportingOverflow(by: pp)
        if overflow || tpPP > gpus {
            throw .impossibleLayout("tp \(tp) × pp \(pp) exceeds the \(gpus) GPUs")
        }
        if gpus % tpPP != 0 {
            throw .impossibleLayout("tp × pp = \(tpPP) does not divide the \(gpus) GPUs")
        }
        if ep > gpus { throw .impossibleLayout("ep \(ep) exceeds the \(gpus) GPUs") }
        if let requestedDP, requestedDP != dp {
            let (product, overflow) = requestedDP.multipliedReportingOverflow(by: tpPP)
            throw .impossibleLayout("dp \(requestedDP) × tp \(tp) × pp \(pp) = \(overflow ? "more than Int.max" : "\(product)") ≠ \(gpus) GPUs")
        }
        if model.numAttentionHeads % tp != 0 {
            throw .impossibleLayout("tp \(tp) does not divide the \(model.numAttentionHeads) attention heads of \(model.id)")
        }
        if pp > model.numHiddenLayers {
            throw .impossibleLayout("pp \(pp) exceeds the \(model.numHiddenLayers) layers of \(model.id)")
        }
        if ep > 1 {
            if !model.isMoE { throw .impossibleLayout("ep \(ep) > 1 but \(model.id) has no experts") }
            if ep > model.routedExperts {
                throw .impossibleLayout("ep \(ep) is larger than the expert count \(model.routedExperts) of \(model.id)")
            }
            if (gpus / pp) % ep != 0 {
                throw .impossibleLayout("ep \(ep) does not divide the \(gpus / pp) GPUs of a pipeline stage")
            }
        }
    }
}
