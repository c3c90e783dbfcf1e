import KernelContract
import Models

/// Turns a model into tune targets: the distinct (kernel family, shape key) pairs the CPU inference core
/// runs for the prefill and decode phases people use, merged across phases.
///
/// Prefill is tuned at prompt-length buckets (`defaultPrefillBuckets`: M = 64 holds chat prompts of
/// 33–64 tokens, M = 512 long prompts of 257–512), decode at batch 1 with attention at several cache
/// lengths (`defaultDecodeLengths`: the buckets a 128-token reply after a chat prompt (38–165) and after
/// a 512-token prompt (513–640) passes through). Every tuned value is a bucket representative
/// (`Bucket.of`), so a runtime shape finds the entry of its own bucket; shapes in buckets not tuned get
/// the analytical default.
public enum WorkloadPlanner {
    public static let defaultPrefillBuckets = [64, 512]
    public static let defaultDecodeLengths = [64, 128, 256, 1024]
    /// Kept for `--prefill-tokens` / `--decode-context` (one phase each).
    public static let defaultPrefillTokens = 512
    public static let defaultDecodeContext = 512

    /// Targets for `model`, prefill shapes first, then decode shapes not already listed. Decode attention
    /// at cache length L runs after L − 1 cached tokens.
    public static func targets(model: ModelConfig, prefillTokens: [Int] = defaultPrefillBuckets,
                               decodeLengths: [Int] = defaultDecodeLengths, decodeBatch: Int = 1) -> [TuneTarget] {
        var phases: [(String, InferencePhase)] = []
        for t in prefillTokens where t >= 1 { phases.append(("prefill \(t)", .prefill(tokens: t, past: 0))) }
        for l in decodeLengths where l >= 1 { phases.append(("decode L=\(l)", .decode(batch: decodeBatch, context: l - 1))) }
        return merge(model: model, phases: phases)
    }

    /// One prefill of `prefillTokens` and one decode step at `decodeContext` cached tokens.
    public static func targets(model: ModelConfig, prefillTokens: Int, decodeContext: Int,
                               decodeBatch: Int = 1) -> [TuneTarget] {
        merge(model: model, phases: [("prefill", .prefill(tokens: prefillTokens, past: 0)),
                                     ("decode", .decode(batch: decodeBatch, context: decodeContext))])
    }

    private static func merge(model: ModelConfig, phases: [(String, InferencePhase)]) -> [TuneTarget] {
        var out: [TuneTarget] = []
        var index: [String: Int] = [:]
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
