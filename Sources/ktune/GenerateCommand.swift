import ArgumentParser
import Foundation
import Inference
import Kernels
import Models
import Probe
import Configs

/// `ktune generate`: run a GGUF model (or a synthetic MoE model) on the tuned kernels and stream text.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate text with the inference core (GGUF weights kept quantized, on the tuned kernels).",
        discussion: """
            The kernel plan comes from --config FILE, else the results store (--store URL or KTUNE_STORE: the \
            newest config tuned on a machine with this fingerprint; other machines' configs are never used), \
            else the KTUNE_CONFIG environment variable, else the default path `ktune tune` writes \
            ($KTUNE_HOME/tuned/<fingerprint>.json) when it exists, else the kernels' analytical defaults; a config \
            for another machine, a corrupt file, or any config when this machine cannot be probed prints a warning \
            and uses the defaults. --synthetic ID runs profiles/models/ID.json with random weights (SYNTHETIC: \
            the text is meaningless) and the model file's tokenizer for text in and out.
            """)

    @Option(name: .long, help: "GGUF model file (also the tokenizer for --synthetic).")
    var model: String = "models/SmolLM2-135M-Instruct.Q4_1.gguf"

    @Option(name: .long, help: ArgumentHelp("Run a synthetic model from profiles/models/<id>.json with random weights.", valueName: "id"))
    var synthetic: String?

    @Option(name: .long, help: "Seed of the synthetic weights.")
    var weightSeed: UInt64 = 1

    @Option(name: .long, help: "The prompt text.")
    var prompt: String

    @Flag(name: .long, help: "Wrap the prompt in the model's ChatML template as a user turn.")
    var chat = false

    @Option(name: .customLong("max-tokens"), help: "Tokens to generate at most.")
    var maxTokens: Int = 128

    @Option(name: .long, help: "Sampling temperature; 0 is greedy.")
    var temperature: Float = 0.8

    @Option(name: .customLong("top-k"), help: "Keep the k most likely tokens (0: off).")
    var topK: Int = 40

    @Option(name: .customLong("top-p"), help: "Nucleus sampling mass (1: off).")
    var topP: Float = 0.95

    @Option(name: .long, help: "Sampling seed.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Worker threads (default: every core).")
    var threads: Int?

    @Option(name: .long, help: "Tuned config file (default: $KTUNE_CONFIG, else the default path if it exists, else analytical defaults).")
    var config: String?

    @Flag(name: .customLong("no-config"), help: "Use the analytical defaults even when a tuned config would be found.")
    var noConfig = false
    @Option(name: .long, help: ArgumentHelp("Results store to take this machine's tuned config from (default: $KTUNE_STORE).",
                                            valueName: "postgres://user:password@host:port/db"))
    var store: String?

    @Option(name: .customLong("context"), help: "KV-cache positions.")
    var contextLength: Int = 2048

    @Option(name: .customLong("prompt-tokens"), help: "Benchmark: repeat (or cut) the prompt's tokens to exactly N tokens.")
    var promptTokenCount: Int?

    @Flag(name: .customLong("fp32-activations"),
          help: "Quantized matmuls keep the activations in FP32 on the decode path too (act=1): the dequantized model's logits to FP32 rounding, instead of int8 rounding per 32 values where the plan picks it.")
    var fp32Activations = false

    @Flag(name: .long, help: "Print prefill/decode tokens/s, the plan and per-kernel-family time at the end.")
    var stats = false

    @Flag(name: .long, help: "Keep the model file memory-mapped (4 KiB pages) instead of copying it into huge pages at load.")
    var mmap = false

    @Flag(name: .customLong("show-plan"), help: "List every kernel shape of the model with its parameters and their origin.")
    var showPlan = false

    func validate() throws {
        if maxTokens < 0 { throw ValidationError("--max-tokens must be ≥ 0, got \(maxTokens)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if let n = promptTokenCount, n < 1 { throw ValidationError("--prompt-tokens must be at least 1, got \(n)") }
        if contextLength < 1 { throw ValidationError("--context must be at least 1, got \(contextLength)") }
        if noConfig && config != nil { throw ValidationError("--no-config and --config exclude each other") }
        try RequestLimits.checkThreads(threads)
        if let n = promptTokenCount, n > contextLength {
            throw ValidationError("--prompt-tokens \(n) needs a KV cache of at least \(n) positions; --context is \(contextLength)")
        }
        if let p = SamplingOptions(temperature: temperature, topK: topK, topP: topP, seed: seed).problem {
            throw ValidationError(p)
        }
        if let store, !store.isEmpty {
            guard StoreBridge.available else { throw ValidationError("--store: \(StoreBridge.missingTrait)") }
            try StoreBridge.validate(store)
        }
    }

    /// The config to load: `--config`, else `$KTUNE_CONFIG`, else the default path for `fingerprint` when
    /// that file exists (`found` is then true); nil for the analytical defaults.
    static func configPath(flag: String?, environment: [String: String], fingerprint: String?) -> (path: String?, found: Bool) {
        if let flag { return (flag, false) }
        if let e = environment["KTUNE_CONFIG"], !e.isEmpty { return (e, false) }
        guard let fingerprint else { return (nil, false) }
        let p = TunedConfigLocation.defaultPath(fingerprint: fingerprint)
        return FileManager.default.fileExists(atPath: p) ? (p, true) : (nil, false)
    }

    func run() throws {
        let err = FileHandle.standardError
        func note(_ s: String) { err.write(Data((s + "\n").utf8)) }

        // The machine: fingerprint for the config check, cache geometry for the analytical defaults.
        let machine = try? Prober.probe(options: ProbeOptions(benchmarks: false))
        let cores = machine?.schedulableCores ?? HostCPU.onlineCPUs
        let threadCount = threads ?? max(1, cores)
        let traits = machine.map { MachineTraits(machine: $0) } ?? MachineTraits.fallback(cores: threadCount, maxSIMDLanes: HostCPU.maxSIMDLanes)
        var fromStore: String?
        if !noConfig, config == nil, let url = StoreBridge.url(flag: store) {
            if let fingerprint = machine?.fingerprint {
                fromStore = StoreBridge.pickUpConfig(url: url, fingerprint: fingerprint, note: note)
            } else {
                note("warning: this machine could not be probed (no fingerprint); the store's configs are not used")
            }
        }
        let (configPath, found) = noConfig ? (nil, false)
            : fromStore.map { ($0, false) }
                ?? Self.configPath(flag: config, environment: ProcessInfo.processInfo.environment, fingerprint: machine?.fingerprint)
        let plan = KernelPlan.load(configPath: configPath, fingerprint: machine?.fingerprint, machine: traits, threads: threadCount,
                                   activations: fp32Activations ? .fp32 : .planned)
        let initialWarnings = plan.warnings.count
        for w in plan.warnings { note("warning: \(w)") }
        let pool = WorkerPool(threads: threadCount)

        let engine: Engine
        do {
            if let synthetic {
                let file = try GGUFFile(path: model)
                let tokenizer = try Tokenizer(gguf: file)
                let config = try ModelCatalog().load(id: synthetic)
                try RequestLimits.checkContext(contextLength, config: config, source: "synthetic model '\(synthetic)'")
                note("SYNTHETIC model '\(synthetic)': random weights (seed \(weightSeed)), not trained — the text is meaningless.")
                engine = try Engine(synthetic: config, seed: weightSeed, tokenizer: tokenizer, plan: plan, pool: pool,
                                    contextLength: contextLength)
            } else {
                if let config = try? ModelConfig(gguf: GGUFFile(path: model)) {
                    try RequestLimits.checkContext(contextLength, config: config, source: model)
                }
                engine = try Engine(modelPath: model, plan: plan, pool: pool, contextLength: contextLength,
                                    residency: mmap ? .mapped : .hugePages)
            }
        } catch {
            throw InferenceCommandError("\(error)")
        }
        var promptIDs = engine.promptTokens(prompt, chat: chat)
        if let n = promptTokenCount, !promptIDs.isEmpty {
            promptIDs = (0..<n).map { promptIDs[$0 % promptIDs.count] }
        }
        let workloads = engine.workloads(promptTokens: promptIDs.count, context: promptIDs.count)
        note(plan.summary(workloads) + (found ? " [found at the default path; --config overrides]" : ""))
        if showPlan { for line in plan.describe(workloads) { note(line) } }

        let sampling = SamplingOptions(temperature: temperature, topK: topK, topP: topP, seed: seed)
        let result: (tokens: [Int32], stats: GenerationStats)
        do {
            result = try engine.generator.generate(prompt: promptIDs, maxTokens: maxTokens, sampling: sampling) { text in
                FileHandle.standardOutput.write(Data(text.utf8))
            }
        } catch {
            throw InferenceCommandError("\(error)")
        }
        FileHandle.standardOutput.write(Data("\n".utf8))
        for w in plan.warnings.dropFirst(initialWarnings) { note("warning: \(w)") }   // choices rejected while running
        if stats {
            let s = result.stats
            let w = engine.transformer.weights
            note(String(format: "model: %@%@, %.0f MB of weights (%@), loaded in %.2f s, %d threads",
                        w.config.id, w.synthetic ? " (SYNTHETIC weights)" : "", Double(w.bytes) / 1e6, w.storageSummary,
                        engine.loadSeconds, threadCount))
            let mem = ProcessMemory.current()
            if let rss = mem.residentBytes, let peak = mem.peakResidentBytes {
                let kv = engine.transformer.cache.bytes
                note(String(format: "memory: resident %.0f MB (peak %.0f MB); KV cache %.0f MB (%d positions)",
                            Double(rss) / 1e6, Double(peak) / 1e6, Double(kv) / 1e6, engine.transformer.cache.capacity))
            }
            note(String(format: "prefill: %d tokens in %.3f s = %.1f tokens/s", s.promptTokens, s.prefillSeconds, s.prefillTokensPerSecond))
            note(String(format: "decode: %d tokens in %.3f s = %.1f tokens/s (stop: %@)", s.decodeSteps, s.decodeSeconds,
                        s.decodeTokensPerSecond, s.stopReason))
            note("plan: \(plan.origin)")
            note("kernel time by family:")
            for line in s.kernels.lines { note(line) }
            if showPlan {
                note("kernel time by shape:")
                for line in s.kernels.shapeLines { note(line) }
            }
        }
    }
}

/// A runtime failure (bad model file, kernel error): printed as "Error: ..." without the usage text.
struct InferenceCommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
