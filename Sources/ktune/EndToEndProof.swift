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
/// Drop rule: a phase whose median paired speedup (default time / tuned time within a round) is below 1
/// loses; every entry that phase's shapes resolved to (tuned or bucket) is removed from the config, and
/// the proof runs again on what is left, so the config written is the one measured.
struct EndToEndProof {
    let modelPath: String
    let pool: WorkerPool
    let traits: MachineTraits
    let fingerprint: String
    var rounds = 5
    var chatPrompt = "What is the capital of France?"
    var longTokens = 512
    var decodeSteps = 128

    struct Outcome {
        var result: TunedConfig.EndToEnd
        /// Median GFLOP/s of the matmuls in the chat prefill with the tuned plan.
        var chatMatmulGflops: Double
    }

    /// Runs the proof against the config at `configPath`, drops losing entries from it (rewriting the
    /// file atomically) and records the result in it.
    func run(configPath: String, note: (String) -> Void) throws -> Outcome {
        var dropped: [String] = []
        var outcome = try measure(configPath: configPath, note: note)
        let losing = outcome.phases.filter { $0.phase.speedup < 1 }
        if !losing.isEmpty, case .loaded(var config) = TunedConfigFile.load(configPath, expectingFingerprint: fingerprint) {
            var remove = Set<String>()
            for p in losing {
                for key in p.entries where !remove.contains(key) {
                    remove.insert(key)
                    dropped.append("\(key): \(p.phase.name) was \(String(format: "%.3f", p.phase.speedup))× end to end")
                }
            }
            config.entries.removeAll { remove.contains("\($0.kernel) \($0.shape)") }
            try TunedConfigFile.write(config, to: configPath)
            note("end to end: \(losing.map(\.phase.name).joined(separator: ", ")) lost; dropped \(remove.count) entries, measuring again")
            outcome = try measure(configPath: configPath, note: note)
        }
        let e2e = TunedConfig.EndToEnd(model: modelPath, threads: pool.threadCount, rounds: rounds,
                                       phases: outcome.phases.map(\.phase), dropped: dropped)
        if case .loaded(var config) = TunedConfigFile.load(configPath, expectingFingerprint: fingerprint) {
            config.endToEnd = e2e
            try TunedConfigFile.write(config, to: configPath)
        }
        return Outcome(result: e2e, chatMatmulGflops: outcome.chatMatmulGflops)
    }

    private struct Measured {
        var phases: [(phase: TunedConfig.EndToEnd.Phase, entries: [String])]
        var chatMatmulGflops: Double
    }

    private func measure(configPath: String, note: (String) -> Void) throws -> Measured {
        let defaults = KernelPlan(config: nil, machine: traits, threads: pool.threadCount)
        let tuned = KernelPlan.load(configPath: configPath, fingerprint: fingerprint, machine: traits, threads: pool.threadCount)
        for w in tuned.warnings { note("warning: \(w)") }
        let engine = try Engine(modelPath: modelPath, plan: defaults, pool: pool)
        let weights = engine.transformer.weights
        let tunedModel = try Transformer(weights: weights, runner: KernelRunner(pool: pool, plan: tuned),
                                         contextLength: engine.transformer.cache.capacity)
        let models = [engine.transformer, tunedModel]
        let chat = engine.promptTokens(chatPrompt, chat: true)
        let long = (0..<longTokens).map { chat[$0 % chat.count] }
        // seconds[phase][plan][round]
        var seconds = [[[Double]]](repeating: [[], []], count: 3)
        var chatMatmul: [Double] = []
        func time(_ body: () throws -> Void) rethrows -> Double {
            let t0 = MonotonicClock.nanoseconds()
            try body()
            return Double(MonotonicClock.nanoseconds() &- t0) * 1e-9
        }
        for t in models { t.reset(); _ = try t.forward(chat) }   // warm up: page in the weights, resolve plans
        for round in 0..<rounds {
            for plan in (round % 2 == 0 ? [0, 1] : [1, 0]) {
                let t = models[plan]
                t.reset()
                t.runner.resetStats()
                seconds[0][plan].append(try time { _ = try t.forward(chat) })
                if plan == 1, let mm = t.runner.stats.byFamily[KernelFamilyID.matmul.rawValue], mm.seconds > 0 {
                    chatMatmul.append(mm.flops / mm.seconds * 1e-9)
                }
                t.reset()
                seconds[1][plan].append(try time { _ = try t.forward(long) })
                seconds[2][plan].append(try time {
                    for s in 0..<decodeSteps { _ = try t.forward([long[s % long.count]]) }
                })
            }
            note("end to end: round \(round + 1)/\(rounds) done")
        }
        let config = weights.config
        let phaseWork: [(String, Int, [KernelWorkload])] = [
            ("prefill \(chat.count) (chat)", chat.count, OpGraph.cpuWorkloads(model: config, phase: .prefill(tokens: chat.count, past: 0))),
            ("prefill \(longTokens)", longTokens, OpGraph.cpuWorkloads(model: config, phase: .prefill(tokens: longTokens, past: 0))),
            ("decode \(decodeSteps) after \(longTokens)", decodeSteps,
             (0..<decodeSteps).flatMap { OpGraph.cpuWorkloads(model: config, phase: .decode(batch: 1, context: longTokens + $0)) }),
        ]
        var phases: [(TunedConfig.EndToEnd.Phase, [String])] = []
        for (i, (name, tokens, work)) in phaseWork.enumerated() {
            let d = Summary(seconds[i][0]).median, u = Summary(seconds[i][1]).median
            let paired = Summary(zip(seconds[i][0], seconds[i][1]).map { $0 / $1 }).median
            var entries: [String] = []
            for w in work {
                let key: String
                switch tuned.resolve(w.kind).choice {
                case .tuned: key = "\(w.family) \(w.shapeKey)"
                case .bucket(let b): key = "\(w.family) \(b)"
                case .analyticalDefault: continue
                }
                if !entries.contains(key) { entries.append(key) }
            }
            phases.append((TunedConfig.EndToEnd.Phase(name: name, tokens: tokens, defaultTokensPerSecond: Double(tokens) / d,
                                                      tunedTokensPerSecond: Double(tokens) / u, speedup: paired), entries))
        }
        return Measured(phases: phases, chatMatmulGflops: chatMatmul.isEmpty ? 0 : Summary(chatMatmul).median)
    }
}
