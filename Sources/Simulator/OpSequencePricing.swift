import Models

/// Prices a sequence of ops recorded elsewhere (the CPU profiler's op graph: same names, shapes, batch)
/// on one GPU with the calibrated kernel laws — the second executor of one op graph. One GPU, no
/// parallelism (tp = ep = pp = 1), so no communication; each op is priced as the simulator prices it in
/// `simulate inference` (GEMMs by DeepGEMM tile waves, attention by compute vs KV streaming, norms and
/// element-wise ops at HBM speed with a launch).
public enum OpSequencePricing {
    /// The GPU time of each op in `ops` (one occurrence each), in order. `tokens` is the new tokens of the
    /// step (prompt length for prefill, batch for decode).
    public static func price(_ ops: [Op], model: ModelConfig, gpu: GPUProfile, calibration: Calibration,
                             precision: Precision = .bf16, mode: GraphWorkload.Mode,
                             tokens: Int) throws(SimulatorError) -> [KernelTime] {
        try ModelLimits.check(model)
        guard tokens >= 1 && tokens <= InferenceSimulator.maxTokens else {
            throw .invalidValue(field: "tokens", value: "\(tokens)", expected: "1 to \(InferenceSimulator.maxTokens)")
        }
        let cost = CostModel(model: model, kernels: KernelModel(gpu: gpu, calibration: calibration),
                             layout: Deployment(gpus: 1), precision: precision, mode: mode,
                             tokensPerGPU: Double(tokens), allToAll: mode == .decode ? .lowLatency : .normal,
                             reservedSMs: 0, redundantExperts: 0, expertSkew: 1)
        var out: [KernelTime] = []
        out.reserveCapacity(ops.count)
        for op in ops {
            guard op.flops.isFinite, op.flops >= 0, op.weightBytes.isFinite, op.weightBytes >= 0,
                  op.activationBytes.isFinite, op.activationBytes >= 0, op.kvBytes.isFinite, op.kvBytes >= 0 else {
                throw .invalidValue(field: "op \(op.name)", value: "flops \(op.flops), bytes \(op.weightBytes)",
                                    expected: "finite, non-negative FLOPs and bytes")
            }
            out.append(try cost.cost(op).time)
        }
        return out
    }
}
