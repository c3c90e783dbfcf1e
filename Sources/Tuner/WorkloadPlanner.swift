import Models

/// Turns a model into tune targets: the distinct (kernel family, shape key) pairs the CPU inference core
/// runs for one prefill and one decode step (`OpGraph.cpuWorkloads`), merged across phases.
public enum WorkloadPlanner {
    /// The phases tuned by default: a 512-token prompt and batch-1 decode at 512 cached tokens, the
    /// shapes a chat turn spends its time in.
    public static let defaultPrefillTokens = 512
    public static let defaultDecodeContext = 512

    /// Targets for `model`, prefill shapes first, then decode shapes not already listed.
    public static func targets(model: ModelConfig, prefillTokens: Int = defaultPrefillTokens,
                               decodeContext: Int = defaultDecodeContext, decodeBatch: Int = 1) -> [TuneTarget] {
        var out: [TuneTarget] = []
        var index: [String: Int] = [:]
        let phases: [(String, InferencePhase)] = [
            ("prefill", .prefill(tokens: prefillTokens, past: 0)),
            ("decode", .decode(batch: decodeBatch, context: decodeContext)),
        ]
        for (label, phase) in phases {
            for w in OpGraph.cpuWorkloads(model: model, phase: phase) {
                let key = "\(w.family)|\(w.shapeKey)"
                let use = "\(label): \(w.names.joined(separator: ", "))"
                if let i = index[key] {
                    out[i].uses.append(use)
                    out[i].callsPerForward += w.callsPerForward
                } else {
                    index[key] = out.count
                    out.append(TuneTarget(kernel: w.family, shape: w.shapeKey, uses: [use],
                                          callsPerForward: w.callsPerForward))
                }
            }
        }
        return out
    }
}
