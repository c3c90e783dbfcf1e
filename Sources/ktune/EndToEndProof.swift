import Configs
import Foundation
import Inference
import Kernels
import Measure
import Models

/// The end of `ktune tune --model`: the model itself, run with the analytical defaults and with the tuned
/// config, interleaved in rounds (rotating which plan goes first), for a chat prompt's prefill, a
/// 512-token prefill and 128 decode steps after it. Both plans share one copy of the weights.
///
/// The model is loaded and warmed up by `prepare`, before the search, so the proof's cost is known when
/// the search budget is set (`estimatedSeconds`); `run` reuses that engine.
///
/// Drop rule: a phase whose median paired speedup (default time / tuned time within a round) is below 1
/// loses; every entry that phase's shapes resolved to (tuned or bucket) is removed from the config. Then
/// only the phases the removal changed are measured again (a phase left with no entry runs the default
/// plan's kernels exactly: 1.00× by construction, not re-measured), so the config written is the one
/// measured.
final class EndToEndProof {
    let modelPath: String
    let pool: WorkerPool
    let traits: MachineTraits
    let fingerprint: String
    let rounds: Int
    /// The chat prompt ("What is the capital of France?", ChatML), a 512-token prompt, 128 decode steps.
    var longTokens: Int { long.count }
    let decodeSteps = 128

    private let engine: Engine
    private let chat: [Int32]
    private let long: [Int32]
    /// Seconds of one round (both plans, every phase), from the warm-up.
    let roundSeconds: Double
    /// The warm-up's seconds per phase (default plan): chat prefill, long prefill, decode steps.
    private let warmSeconds: [Double]
    /// GFLOP/s of the chat prefill's matmuls in the warm-up (default plan).
    private let warmChatMatmulGflops: Double
    /// Seconds `prepare` took (loading and dequantizing the weights, the warm-up).
    let prepareSeconds: Double

    struct Outcome {
        var result: TunedConfig.EndToEnd
        /// Median GFLOP/s of the matmuls in the chat prefill with the tuned plan.
        var chatMatmulGflops: Double
        /// Phases measured in total (a re-measure after drops counts again).
        var phasesMeasured: Int
    }

    /// Loads the model with the analytical defaults and times one pass of each phase (the warm-up: it also
    /// pages the weights in), from which the proof's duration is estimated.
    init(modelPath: String, pool: WorkerPool, traits: MachineTraits, fingerprint: String, rounds: Int) throws {
        let t0 = MonotonicClock.nanoseconds()
        self.modelPath = modelPath; self.pool = pool; self.traits = traits; self.fingerprint = fingerprint
        self.rounds = rounds
        let e = try Engine(modelPath: modelPath, plan: KernelPlan(config: nil, machine: traits, threads: pool.threadCount), pool: pool)
        let c = e.promptTokens("What is the capital of France?", chat: true)
        let lg = (0..<512).map { c[$0 % c.count] }
        let t = e.transformer
        let warmDecode = 8
        t.reset(); _ = try t.forward(c)   // the first pass pages the weights in; time the second
        t.runner.resetStats()
        let s = try Self.time { t.reset(); _ = try t.forward(c) }
        // Every matmul family (FP32 and the quantized ones the weights use) with the prompt's rows.
        warmChatMatmulGflops = t.runner.stats.matmulGflops(minRows: 2) ?? 0
        let l = try Self.time { t.reset(); _ = try t.forward(lg) }
        let d = try Self.time { for i in 0..<warmDecode { _ = try t.forward([lg[i]]) } }
        engine = e; chat = c; long = lg
        warmSeconds = [s, l, d * 128 / Double(warmDecode)]
        roundSeconds = 2 * (s + l + d * 128 / Double(warmDecode))
        prepareSeconds = Double(MonotonicClock.nanoseconds() &- t0) * 1e-9
    }

    /// Seconds the proof should take: its rounds, with a fifth more for re-measuring phases after a drop.
    var estimatedSeconds: Double { roundSeconds * Double(rounds) * 1.2 }

    private static func time(_ body: () throws -> Void) rethrows -> Double {
        let t0 = MonotonicClock.nanoseconds()
        try body()
        return Double(MonotonicClock.nanoseconds() &- t0) * 1e-9
    }

    /// Runs the proof against the config at `configPath`, drops losing entries from it (rewriting the
    /// file atomically) and records the result in it.
    func run(configPath: String, note: (String) -> Void) throws -> Outcome {
        var dropped: [String] = []
        var outcome = try measure(configPath: configPath, phases: [0, 1, 2], note: note)
        var measuredCount = 3
        let losing = outcome.phases.indices.filter { outcome.phases[$0].phase.speedup < 1 }
        if !losing.isEmpty, case .loaded(var config) = TunedConfigFile.load(configPath, expectingFingerprint: fingerprint) {
            var remove = Set<String>()
            for i in losing {
                let p = outcome.phases[i]
                for key in p.entries where !remove.contains(key) {
                    remove.insert(key)
                    dropped.append("\(key): \(p.phase.name) was \(String(format: "%.3f", p.phase.speedup))× end to end")
                }
            }
            config.entries.removeAll { remove.contains("\($0.kernel) \($0.shape)") }
            try TunedConfigFile.write(config, to: configPath)
            // What each phase resolves to now decides whether it needs measuring again.
            let now = try measure(configPath: configPath, phases: [], note: note)
            var again: [Int] = []
            for i in outcome.phases.indices where now.phases[i].entries != outcome.phases[i].entries {
                if now.phases[i].entries.isEmpty {
                    // The default plan's kernels exactly: the same speed by construction.
                    var p = outcome.phases[i].phase
                    p.tunedTokensPerSecond = p.defaultTokensPerSecond
                    p.speedup = 1
                    outcome.phases[i] = (p, [])
                } else {
                    again.append(i)
                }
            }
            note("end to end: \(losing.map { outcome.phases[$0].phase.name }.joined(separator: ", ")) lost; dropped \(remove.count) entries"
                 + (again.isEmpty ? "; the phases left use no dropped entry (or no entry at all), nothing to measure again"
                                  : ", measuring again: \(again.map { outcome.phases[$0].phase.name }.joined(separator: ", "))"))
            if !again.isEmpty {
                let re = try measure(configPath: configPath, phases: Set(again), note: note)
                for i in again { outcome.phases[i] = re.phases[i] }
                if again.contains(0) { outcome.chatMatmulGflops = re.chatMatmulGflops }
                measuredCount += again.count
            }
        }
        let e2e = TunedConfig.EndToEnd(model: modelPath, threads: pool.threadCount, rounds: rounds,
                                       phases: outcome.phases.map(\.phase), dropped: dropped)
        if case .loaded(var config) = TunedConfigFile.load(configPath, expectingFingerprint: fingerprint) {
            config.endToEnd = e2e
            try TunedConfigFile.write(config, to: configPath)
        }
        return Outcome(result: e2e, chatMatmulGflops: outcome.chatMatmulGflops, phasesMeasured: measuredCount)
    }

    private struct Measured {
        var phases: [(phase: TunedConfig.EndToEnd.Phase, entries: [String])]
        var chatMatmulGflops: Double
    }

    /// Times the phases in `phases` (0 chat prefill, 1 long prefill, 2 decode) for both plans. Every phase
    /// gets its entries: the tuned or bucket entries whose parameters differ from the analytical default
    /// its shapes would get. A phase with none runs exactly the default plan's kernels, so it is not timed:
    /// 1.00× by construction, its tokens/s from the warm-up pass. An empty `phases` only resolves.
    private func measure(configPath: String, phases selected: Set<Int>, note: (String) -> Void) throws -> Measured {
        let tuned = KernelPlan.load(configPath: configPath, fingerprint: fingerprint, machine: traits, threads: pool.threadCount)
        if !selected.isEmpty { for w in tuned.warnings { note("warning: \(w)") } }
        let config = engine.transformer.weights.config
        let phaseWork: [(String, Int, [KernelWorkload])] = [
            ("prefill \(chat.count) (chat)", chat.count, OpGraph.cpuWorkloads(model: config, phase: .prefill(tokens: chat.count, past: 0))),
            ("prefill \(longTokens)", longTokens, OpGraph.cpuWorkloads(model: config, phase: .prefill(tokens: longTokens, past: 0))),
            ("decode \(decodeSteps) after \(longTokens)", decodeSteps,
             (0..<decodeSteps).flatMap { OpGraph.cpuWorkloads(model: config, phase: .decode(batch: 1, context: longTokens + $0)) }),
        ]
        let entries: [[String]] = phaseWork.map { _, _, work in
            var keys: [String] = []
            for w in work {
                let r = tuned.resolve(w.kind)
                guard r.params != r.fallback else { continue }
                let key: String
                switch r.choice {
                case .tuned: key = "\(w.family) \(w.shapeKey)"
                case .bucket(let b): key = "\(w.family) \(b)"
                case .analyticalDefault: continue
                }
                if !keys.contains(key) { keys.append(key) }
            }
            return keys
        }
        let timed = selected.filter { !entries[$0].isEmpty }
        // seconds[phase][plan][round]
        var seconds = [[[Double]]](repeating: [[], []], count: 3)
        var chatMatmul: [Double] = []
        if !timed.isEmpty {
            let weights = engine.transformer.weights
            let tunedModel = try Transformer(weights: weights, runner: KernelRunner(pool: pool, plan: tuned),
                                             contextLength: engine.transformer.cache.capacity)
            let models = [engine.transformer, tunedModel]
            tunedModel.reset(); _ = try tunedModel.forward(chat)   // warm up: resolve the tuned plan
            for round in 0..<rounds {
                for plan in (round % 2 == 0 ? [0, 1] : [1, 0]) {
                    let t = models[plan]
                    if timed.contains(0) {
                        t.reset()
                        t.runner.resetStats()
                        seconds[0][plan].append(try Self.time { _ = try t.forward(chat) })
                        if plan == 1, let g = t.runner.stats.matmulGflops(minRows: 2) { chatMatmul.append(g) }
                    }
                    if timed.contains(1) || timed.contains(2) {
                        t.reset()
                        // The decode phase runs after the long prompt, so the long prefill always runs first.
                        let l = try Self.time { _ = try t.forward(long) }
                        if timed.contains(1) { seconds[1][plan].append(l) }
                    }
                    if timed.contains(2) {
                        seconds[2][plan].append(try Self.time {
                            for s in 0..<decodeSteps { _ = try t.forward([long[s % long.count]]) }
                        })
                    }
                }
                note("end to end: round \(round + 1)/\(rounds) done")
            }
        }
        var phases: [(TunedConfig.EndToEnd.Phase, [String])] = []
        for (i, (name, tokens, _)) in phaseWork.enumerated() {
            guard timed.contains(i) else {
                // Not timed: identical kernels (1.00×, the warm-up's speed), or only resolved.
                let warm = selected.contains(i) ? Double(tokens) / warmSeconds[i] : 0
                phases.append((TunedConfig.EndToEnd.Phase(name: name, tokens: tokens, defaultTokensPerSecond: warm,
                                                          tunedTokensPerSecond: warm, speedup: 1), entries[i]))
                continue
            }
            let d = Summary(seconds[i][0]).median, u = Summary(seconds[i][1]).median
            let paired = Summary(zip(seconds[i][0], seconds[i][1]).map { $0 / $1 }).median
            phases.append((TunedConfig.EndToEnd.Phase(name: name, tokens: tokens, defaultTokensPerSecond: Double(tokens) / d,
                                                      tunedTokensPerSecond: Double(tokens) / u, speedup: paired), entries[i]))
        }
        if selected.contains(0) && !timed.contains(0) { note("end to end: the chat prefill runs the default plan's kernels exactly (no entry differs): not timed, 1.00×") }
        if selected.contains(1) && !timed.contains(1) { note("end to end: the 512-token prefill runs the default plan's kernels exactly: not timed, 1.00×") }
        if selected.contains(2) && !timed.contains(2) { note("end to end: decode runs the default plan's kernels exactly: not timed, 1.00×") }
        // Not timed: the tuned plan runs the default's matmuls, whose speed the warm-up measured.
        return Measured(phases: phases, chatMatmulGflops: chatMatmul.isEmpty ? warmChatMatmulGflops : Summary(chatMatmul).median)
    }
}
