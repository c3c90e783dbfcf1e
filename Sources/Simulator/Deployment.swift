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
    public var dp: Int { gpus / max(1, tp * pp) }

    /// Nodes the deployment occupies.
    public func nodes(gpusPerNode: Int) -> Int { (gpus + gpusPerNode - 1) / gpusPerNode }

    /// Checks that `model` can be laid out like this; never adjusts a number. `dp`, when given, must
    /// equal gpus / (tp × pp).
    public func validate(model: ModelConfig, dp requestedDP: Int? = nil) throws(SimulatorError) {
        for (v, name) in [(gpus, "gpus"), (tp, "tp"), (ep, "ep"), (pp, "pp")] where v < 1 {
            throw .impossibleLayout("\(name) must be at least 1, got \(v)")
        }
        if gpus % (tp * pp) != 0 {
            throw .impossibleLayout("tp × pp = \(tp * pp) does not divide the \(gpus) GPUs")
        }
        if let requestedDP, requestedDP != dp {
            throw .impossibleLayout("dp \(requestedDP) × tp \(tp) × pp \(pp) = \(requestedDP * tp * pp) ≠ \(gpus) GPUs")
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
