import ArgumentParser
import Configs
import Foundation
import Kernels
import Measure
import Models
import Probe
import Report
import Tuner
import Inference

/// `ktune tune`: search each kernel's parameters on this machine for a model's shapes (or given shapes),
/// verify and measure every candidate, journal as it goes, and write the tuned config.
struct TuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Tune the kernels a model runs (matmul, attention, expert-gather) to this machine.",
        discussion: """
            Shapes come from --model (a profile id in profiles/models, prefill of --prefill-tokens and decode \
            at --decode-context) or from --kernel with one or more --shape keys. Every candidate is verified \
            against the reference before it is timed; winners are re-measured head to head against the \
            analytical default and only written if at least as fast.

            Output: --out, default $KTUNE_HOME/tuned/<fingerprint>.json (KTUNE_HOME defaults to ~/.ktune), \
            merged with an existing config for this machine. Journal: --journal, default next to the config \
            (<config>.journal.jsonl), one JSON line per measurement, flushed as it happens; --resume continues it.

            Store (--store postgres://user:password@host:port/db, or $KTUNE_STORE): after the sweep the journal \
            and the config are uploaded (an unreachable store is a warning; `ktune store push` uploads later). \
            With --worker, every machine of one fingerprint running the same command shares one sweep: each \
            claims candidates from the store's queue, measures them here and writes them back; a claim whose \
            worker died is measured again after --lease seconds; the first worker to see every candidate \
            measured picks the winners head to head. --worker needs a plannable strategy (exhaustive, random) \
            and a finite budget (the whole space, or --max-evals per shape); --budget does not apply to it.

            Strategies (--strategy NAME, --strategy-option name=value):
            \(StrategyRegistry.helpText())
            """)

    @Option(help: ArgumentHelp("Model: a profile id (profiles/models/<id>.json) or a GGUF file (its architecture metadata).",
                               valueName: "id|file.gguf"))
    var model = "smollm2-135m"

    @Option(help: ArgumentHelp("Kernel family to tune at --shape keys instead of a model's shapes (\(knownFamilies)).",
                               valueName: "family"))
    var kernel: String?

    @Option(name: .customLong("shape"), parsing: .singleValue,
            help: ArgumentHelp("Shape key for --kernel (repeatable): matmul MxNxK, attention.prefill T=..,past=..,h=..,kv=..,d=.., attention.decode L=..,h=..,kv=..,d=.., expert-gather T=..,h=..,f=..,e=..,k=..", valueName: "key"))
    var shapes: [String] = []

    @Option(help: ArgumentHelp("Prompt-length buckets tuned for --model (each a bucket representative: 64 holds 33–64 tokens).",
                               valueName: "n,n,..."))
    var prefillBuckets = WorkloadPlanner.defaultPrefillBuckets.map(String.init).joined(separator: ",")

    @Option(help: ArgumentHelp("Decode attention cache lengths tuned for --model.", valueName: "n,n,..."))
    var decodeLengths = WorkloadPlanner.defaultDecodeLengths.map(String.init).joined(separator: ",")

    @Option(help: "Instead of the buckets: one prefill phase of this many tokens.")
    var prefillTokens: Int?

    @Option(help: "Instead of the decode lengths: one decode phase at this many cached tokens.")
    var decodeContext: Int?

    @Option(help: ArgumentHelp("Model weights (GGUF) for the end-to-end proof when --model is a profile id.", valueName: "file.gguf"))
    var weights = "models/SmolLM2-135M-Instruct.Q4_1.gguf"

    @Flag(help: "Skip the end-to-end proof (default vs tuned plan on the model itself) after tuning --model.")
    var noProof = false

    @Option(help: "Rounds of the end-to-end proof (each runs both plans, order rotating).")
    var proofRounds = 5

    @Option(help: "Sequences per decode step.")
    var decodeBatch = 1

    @Option(help: ArgumentHelp("Search strategy: \(StrategyRegistry.names.joined(separator: ", ")).", valueName: "name"))
    var strategy = StrategyRegistry.defaultName

    @Option(name: .customLong("strategy-option"), parsing: .singleValue,
            help: ArgumentHelp("Strategy option (repeatable); see --list-strategies.", valueName: "name=value"))
    var strategyOptions: [String] = []

    @Flag(help: "Print the strategies and their options, then exit.")
    var listStrategies = false

    @Flag(help: "Print the kernel shapes that would be tuned (and the model ops using them), then exit.")
    var listShapes = false

    @Option(help: ArgumentHelp("Seconds for search and head-to-head checks together, shared across shapes (each gets an equal share of what is left; noise pauses come on top). Default: for --model, what --time-limit leaves after the probe, the model's warm-up and the end-to-end proof's estimate (at most \(Int(Self.maxDerivedBudget)) s); for --kernel, \(Int(Self.kernelBudget)) s.",
                               valueName: "seconds"))
    var budget: Double?

    @Option(help: ArgumentHelp("Wall-clock seconds the whole command should take when tuning --model with the end-to-end proof: the search budget and the noise pauses are derived from it (an explicit --budget wins).",
                               valueName: "seconds"))
    var timeLimit: Double = 175

    @Option(help: ArgumentHelp("Measurement cap per shape.", valueName: "n"))
    var maxEvals: Int?

    @Option(help: ArgumentHelp("Journal file (JSON Lines).", valueName: "file"))
    var journal: String?

    @Flag(help: "Continue the journal: recorded measurements are reused, not repeated.")
    var resume = false

    @Option(help: ArgumentHelp("Tuned config to write.", valueName: "file"))
    var out: String?

    @Flag(help: "Print the results as JSON on stdout instead of the table.")
    var json = false

    @Flag(help: "Show the progress line even when stderr is not a terminal.")
    var progress = false

    @Flag(name: .customLong("no-calibration"), help: "Do not re-time the calibration kernel between candidates (no noise detection).")
    var noCalibration = false

    @Flag(help: "Run exhaustive search and the chosen strategy on matmul shapes and compare their winners head to head (no config written).")
    var compareStrategies = false

    @Option(help: ArgumentHelp("Profiles directory (holding models/); default: $KTUNE_PROFILES or ./profiles found upward.",
                               valueName: "dir"))
    var profiles: String?

    @Option(help: "Seed for the operands' random contents.")
    var seed: UInt64 = 42

    @Option(help: ArgumentHelp("Threads per candidate (caps the space's thread counts and the analytical default; default: every core). --threads 1 on each of N workers runs one worker per core.",
                               valueName: "n"))
    var threads: Int?

    @Option(help: ArgumentHelp("Results store (default: $KTUNE_STORE): the journal and config are uploaded after the sweep.",
                               valueName: "postgres://user:password@host:port/db"))
    var store: String?

    @Flag(help: "Share the sweep with the other workers of this machine kind through --store (see above).")
    var worker = false

    @Option(help: ArgumentHelp("Name of the shared sweep for --worker (default: derived from the targets, strategy and caps, so identical commands join one sweep).",
                               valueName: "name"))
    var sweep: String?

    @Option(help: ArgumentHelp("Seconds a --worker's claim on a candidate lasts before another worker may measure it again.",
                               valueName: "seconds"))
    var lease: Double = 120

    static var knownFamilies: String { KernelRegistry.families.joined(separator: ", ") }

    /// The derived search budget for --model stays in this range; --kernel runs get `kernelBudget`.
    static let maxDerivedBudget = 90.0, minDerivedBudget = 15.0, kernelBudget = 60.0
    /// Left for writing the config and the closing output.
    static let closingSeconds = 3.0

    func validate() throws {
        if let budget, !(budget > 0 && budget.isFinite) { throw ValidationError("--budget must be a positive number of seconds, got \(budget)") }
        if let budget, budget > Self.maxBudgetSeconds {
            throw ValidationError("--budget \(budget) seconds is \(String(format: "%.3g", budget / 86_400)) days; at most \(Int(Self.maxBudgetSeconds)) s (30 days) per run (use --resume to continue a sweep)")
        }
        guard timeLimit > 0, timeLimit.isFinite, timeLimit <= 86_400 else {
            throw ValidationError("--time-limit must be 1...86400 seconds, got \(timeLimit)")
        }
        if let maxEvals, maxEvals < 1 { throw ValidationError("--max-evals must be at least 1, got \(maxEvals)") }
        if let prefillTokens, prefillTokens > 1 << 20 {
            throw ValidationError("--prefill-tokens \(prefillTokens): at most \(1 << 20) tokens (the largest prefill bucket)")
        }
        if let decodeContext, decodeContext >= 1 << 24 {
            throw ValidationError("--decode-context \(decodeContext): at most \((1 << 24) - 1) cached tokens (a shape dimension is at most 2^24)")
        }
        if decodeBatch > 4096 { throw ValidationError("--decode-batch \(decodeBatch): at most 4096 sequences per decode step") }
        if proofRounds > 1000 { throw ValidationError("--proof-rounds \(proofRounds): at most 1000 rounds") }
        if shapes.count > SearchLimits.maxTargets {
            throw ValidationError("--shape given \(shapes.count) times; at most \(SearchLimits.maxTargets) shapes are tuned in one run")
        }
        try RequestLimits.checkThreads(threads)
        if kernel != nil && shapes.isEmpty { throw ValidationError("--kernel needs at least one --shape") }
        if kernel == nil && !shapes.isEmpty { throw ValidationError("--shape needs --kernel (the family the shape belongs to)") }
        if (prefillTokens ?? 1) < 1 || (decodeContext ?? 0) < 0 || decodeBatch < 1 {
            throw ValidationError("--prefill-tokens and --decode-batch must be ≥ 1 and --decode-context ≥ 0")
        }
        _ = try Self.list(prefillBuckets, "--prefill-buckets")
        _ = try Self.list(decodeLengths, "--decode-lengths")
        if proofRounds < 1 { throw ValidationError("--proof-rounds must be at least 1, got \(proofRounds)") }
        if let kernel { _ = try KernelRegistry.family(named: kernel) }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        guard lease.isFinite, lease >= 1, lease <= 86_400 else { throw ValidationError("--lease must be 1...86400 seconds, got \(lease)") }
        if let store, !store.isEmpty {
            guard StoreBridge.available else { throw ValidationError("--store: \(StoreBridge.missingTrait)") }
            try StoreBridge.validate(store)
        } else if let env = StoreBridge.url(flag: nil), StoreBridge.available {
            do { try StoreBridge.validate(env) } catch { throw ValidationError("KTUNE_STORE: \(error)") }
        }
        if worker {
            guard StoreBridge.url(flag: store) != nil else { throw ValidationError("--worker needs --store URL (or KTUNE_STORE)") }
            guard StoreBridge.available else { throw ValidationError("--worker: \(StoreBridge.missingTrait)") }
            if compareStrategies { throw ValidationError("--worker and --compare-strategies cannot be combined") }
            if resume { throw ValidationError("--worker does not take --resume: the store's queue is the sweep's state") }
            if !(try StrategyRegistry.strategy(named: strategy) is any PlannableStrategy.Type) {
                throw ValidationError(TunerError.unsplittableStrategy(
                    name: strategy, splittable: StrategyRegistry.all.filter { $0 is any PlannableStrategy.Type }.map { $0.name }).description)
            }
        }
        if sweep != nil && !worker { throw ValidationError("--sweep names a shared sweep; it needs --worker") }
    }

    func run() throws {
        if listStrategies {
            print(StrategyRegistry.helpText())
            return
        }
        if listShapes {
            var table = TextTable(header: ["kernel", "shape", "calls/forward", "used by"])
            for t in try resolveTargets() {
                table.append([t.kernel.rawValue, t.shape, "\(t.callsPerForward)", t.uses.joined(separator: "; ")])
            }
            print(table.render())
            return
        }
        let options = try StrategyRegistry.options(strategy, items: strategyOptions)   // parsed once, here
        let ui = TuneProgressBar(showBar: progress || isatty(2) == 1)
        var stages = TuneStages()
        let probed = try stages.time("probe") { try Prober.probe(options: ProbeOptions(benchmarks: false)) }
        let (probedContext, traitWarnings) = MachineContext.from(probed)
        var machine = probedContext
        for w in traitWarnings { ui.note("warning: \(w)") }
        if let threads { machine.traits.cores = min(threads, machine.traits.cores) }
        let targets = try resolveTargets()
        let pool = WorkerPool(threads: machine.traits.cores)
        let seed = self.seed
        // Decode-shaped matmuls (M ≤ 16) are timed cold: their weights rotate through copies totalling
        // twice the last-level cache, as a forward pass streams 0.5 GB of weights from memory.
        let coldBytes = 2 * machine.traits.l3Bytes
        let makeKernel: TuningSession.KernelFactory = { t in
            if t.kernel == .matmul, let s = try? MatmulShape(key: t.shape), s.m <= Matmul.skinnyMaxRows {
                return try MatmulInstance(s, pool: pool, seed: seed, coldWeightBytes: coldBytes)
            }
            return try KernelRegistry.instance(family: t.kernel, shape: t.shape, pool: pool, seed: seed)
        }
        // With the end-to-end proof, the model is loaded and warmed up now: its timing sets the search budget.
        let proofModel = json ? nil : proofModelPath()
        var proof: EndToEndProof?
        if let proofModel, FileManager.default.fileExists(atPath: proofModel), !compareStrategies {
            ui.note("end to end: loading \(proofModel) and timing one pass of each phase (sets the search budget)")
            proof = try stages.time("model load + warm-up") {
                try EndToEndProof(modelPath: proofModel, pool: pool, traits: machine.traits, fingerprint: machine.fingerprint,
                                  rounds: proofRounds)
            }
        }
        var pausePolicy = CalibrationMonitor.Policy()
        if proof != nil { pausePolicy.maxTotalPauseSeconds = min(pausePolicy.maxTotalPauseSeconds, 0.1 * timeLimit) }
        let calibration = noCalibration ? nil : try makeCalibration(pool: pool, machine: machine, policy: pausePolicy)
        // For --model with the proof and no --budget: a deadline, so the budget is what the limit leaves once
        // the instances are built (TuningSession applies it), within minDerivedBudget...maxDerivedBudget.
        let deadlineSeconds = budget == nil ? proof.map { timeLimit - $0.estimatedSeconds - Self.closingSeconds } : nil
        let searchBudget = budget ?? (deadlineSeconds != nil ? Self.maxDerivedBudget : Self.kernelBudget)
        if compareStrategies {
            try runComparison(targets: targets, options: options, machine: machine, calibration: calibration, ui: ui,
                              makeKernel: makeKernel)
            return
        }

        let outPath = out ?? TunedConfigLocation.defaultPath(fingerprint: machine.fingerprint)
        let journalPath = journal ?? TunedConfigLocation.journalPath(forConfig: outPath)
        var settings = TuneSettings()
        settings.use(strategy, options: options)
        settings.maxEvaluations = maxEvals
        settings.totalSeconds = searchBudget
        if let deadlineSeconds {
            let left = max(0, deadlineSeconds - stages.total)
            settings.deadline = MonotonicClock.nanoseconds() &+ UInt64(left * 1e9)
            settings.minimumSeconds = Self.minDerivedBudget
        }
        settings.journalPath = journalPath
        settings.resume = resume
        if !json {
            let budgetText = worker ? "shared sweep (every planned candidate)"
                : deadlineSeconds.map { d in
                    d > stages.total
                        ? "search and head-to-head until \(Self.f(d)) s into the run (time limit \(Int(timeLimit)) s − proof ~\(Self.f(proof?.estimatedSeconds ?? 0)) s − \(Int(Self.closingSeconds)) s), \(Int(Self.minDerivedBudget))–\(Int(Self.maxDerivedBudget)) s"
                        : "the proof's estimate (~\(Self.f(proof?.estimatedSeconds ?? 0)) s, from the warm-up) alone exceeds the \(Int(timeLimit)) s time limit on this machine now: the minimum \(Int(Self.minDerivedBudget)) s for search and head-to-head"
                } ?? "~\(Int(searchBudget.rounded())) s for search and head-to-head checks"
            ui.note("machine \(machine.fingerprint) (\(machine.summary.cpu), \(machine.traits.cores) cores); \(targets.count) shapes, strategy \(strategy), \(budgetText)")
        }
        let session = TuningSession(targets: targets, settings: settings, machine: machine, calibration: calibration,
                                    makeKernel: makeKernel)
        session.add(ui)
        let storeURL = StoreBridge.url(flag: store)
        var results: [ShapeResult]
        var sharedLines: [String] = []
        if worker, let storeURL,
           let shared = try StoreBridge.runWorker(url: storeURL, session: session, machine: machine, sweepID: sweep,
                                                  planDescription: planDescription(targets), lease: lease,
                                                  note: { ui.note($0) }, progress: { [json] in if !json { ui.note($0) } }) {
            results = shared.results
            sharedLines = shared.lines
        } else {
            if let storeURL, !worker { StoreBridge.checkReachable(url: storeURL, note: { ui.note($0) }) }
            results = try session.run()
        }
        ui.finish()
        stages.add("prepare targets", session.prepareSeconds)
        var searchByFamily: [String: Double] = [:]
        for r in results { searchByFamily[r.target.kernel.rawValue, default: 0] += r.searchSeconds }
        stages.add("search", results.reduce(0) { $0 + $1.searchSeconds },
                   detail: searchByFamily.sorted { $0.value > $1.value }.map { "\($0.key) \(Self.f($0.value))" }.joined(separator: " · "))
        stages.add("head-to-head checks", results.reduce(0) { $0 + max(0, $1.seconds - $1.searchSeconds) })
        if let calibration { stages.add("noise pauses", calibration.pausedSeconds) }
        let notes = try TunedConfigOutput.write(results, machine: machine, to: outPath, createdAt: TuningSession.timestamp())
        for n in notes { ui.note(n) }
        for l in sharedLines { ui.note(l) }
        if let storeURL, !worker || sharedLines.isEmpty {
            StoreBridge.pushAfterTune(url: storeURL, journal: journalPath, config: outPath, note: { ui.note($0) })
        }
        let noise = calibration.map { ($0.episodes, $0.pausedSeconds, $0.checks) } ?? (0, 0, 0)
        if json {
            let report = TuneReport(machine: machine.summary, out: outPath, journal: journalPath, strategy: strategy,
                                    results: results, noiseEpisodes: noise.0, noisePauseSeconds: noise.1)
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            print(String(decoding: try enc.encode(report), as: UTF8.self))
            return
        }
        print(Self.table(results).render())
        if let proof {
            ui.note("end to end: \(proof.modelPath), default vs tuned plan, \(proofRounds) rounds (~\(Self.f(proof.estimatedSeconds)) s)")
            let outcome = try stages.time("end-to-end proof") { try proof.run(configPath: outPath) { ui.note($0) } }
            print(Self.endToEndTable(outcome.result).render())
            for d in outcome.result.dropped { print("dropped: \(d)") }
            print("matmuls of the chat prefill, tuned plan: \(Self.f(outcome.chatMatmulGflops)) GFLOP/s (compare with `ktune probe`'s FMA peak)")
        } else if let proofModel {
            print("end to end: no proof, weights \(proofModel) not found (--weights FILE)")
        }
        print(stages.table(limit: budget == nil && proof != nil ? timeLimit : nil).render())
        if noise.0 > 0 {
            print("noise: the calibration kernel was below \(Int(CalibrationMonitor.Policy().dropThreshold * 100))% of its best at \(noise.0) of \(noise.2) checks; \(Int(noise.1.rounded())) s paused; measurements still disturbed after a pause are marked noisy in the journal")
        }
        print("tuned config: \(outPath)")
        print("journal:      \(journalPath)")
    }

    /// The GGUF the end-to-end proof runs: --model itself when it is a file, else --weights; nil when
    /// tuning --kernel shapes or with --no-proof.
    private func proofModelPath() -> String? {
        guard kernel == nil, !noProof else { return nil }
        return model.hasSuffix(".gguf") || model.contains("/") ? model : weights
    }

    static func list(_ text: String, _ flag: String) throws -> [Int] {
        let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) >= 1 && ($0 ?? 0) <= 1 << 20 }) else {
            throw ValidationError("\(flag) must be a comma-separated list of integers in 1...1048576, got '\(text.prefix(200))'")
        }
        // Each entry is one tuned target per matmul of the model: a list of thousands is a typo or an attack.
        guard values.count <= maxListEntries else {
            throw ValidationError("\(flag) lists \(values.count) values; at most \(maxListEntries)")
        }
        return values.compactMap { $0 }
    }

    /// Most entries in --prefill-buckets / --decode-lengths.
    static let maxListEntries = 64
    /// Longest --budget (30 days).
    static let maxBudgetSeconds = 30.0 * 86_400

    /// The end-to-end table: per phase, default and tuned tokens/s and the paired speedup.
    static func endToEndTable(_ e: TunedConfig.EndToEnd) -> TextTable {
        var t = TextTable(header: ["end to end (\(e.threads) threads, \(e.rounds) rounds)", "tokens", "default tok/s", "tuned tok/s", "speedup"])
        for p in e.phases {
            t.append([p.name, "\(p.tokens)", f(p.defaultTokensPerSecond), f(p.tunedTokensPerSecond), f3(p.speedup)])
        }
        return t
    }

    /// What a shared sweep measures, as JSON: identical commands on identical machines give identical text,
    /// and so (without --sweep) the same sweep id.
    private func planDescription(_ targets: [TuneTarget]) -> String {
        let plan: [String: Any] = [
            "targets": targets.map { "\($0.kernel.rawValue) \($0.shape)" },
            "strategy": strategy, "strategyOptions": strategyOptions,
            "maxEvals": maxEvals.map { $0 as Any } ?? NSNull(), "threads": threads.map { $0 as Any } ?? NSNull(),
            "seed": seed, "toolVersion": ToolVersion.current,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: plan, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// The shapes to tune: the flags' or the model's.
    private func resolveTargets() throws -> [TuneTarget] {
        if let kernel {
            let family = try KernelRegistry.family(named: kernel)
            for key in shapes {
                let typed = try family.shape(key)
                try RequestLimits.checkOperands(bytes: typed.bytes, what: "--shape \(key)")
            }
            return shapes.map { TuneTarget(kernel: family.id, shape: $0) }
        }
        let prefill = try prefillTokens.map { [$0] } ?? Self.list(prefillBuckets, "--prefill-buckets")
        let decode = try decodeContext.map { [$0 + 1] } ?? Self.list(decodeLengths, "--decode-lengths")
        if model.hasSuffix(".gguf") || model.contains("/") {
            // A GGUF file: its architecture metadata and its matrices' types (quantized families), not its weights.
            let file = try GGUFFile(path: model)
            let targets = WorkloadPlanner.targets(model: try ModelConfig(gguf: file), prefillTokens: prefill,
                                                  decodeLengths: decode, decodeBatch: decodeBatch)
            return WorkloadPlanner.quantizedTargets(targets, gguf: file)
        }
        let config = try ModelCatalog(root: profiles).load(id: model)
        return WorkloadPlanner.targets(model: config, prefillTokens: prefill, decodeLengths: decode, decodeBatch: decodeBatch)
    }

    /// A small fixed matmul at its analytical default: cheap (~1 ms per check) and using every core, so a
    /// neighbour taking a core shows up as a drop.
    private func makeCalibration(pool: WorkerPool, machine: MachineContext,
                                 policy: CalibrationMonitor.Policy = .init()) throws -> CalibrationMonitor {
        let k = try KernelRegistry.instance(family: .matmul, shape: "64x256x256", pool: pool, seed: 7)
        return try CalibrationMonitor(kernel: k, params: k.analyticalDefault(on: machine.traits), policy: policy)
    }

    private func runComparison(targets: [TuneTarget], options: StrategyOptions, machine: MachineContext, calibration: CalibrationMonitor?,
                               ui: TuneProgressBar, makeKernel: @escaping TuningSession.KernelFactory) throws {
        var chosen = targets.filter { $0.kernel == .matmul }
        if kernel == nil {
            // From a model: its two most-called prefill shapes and most-called decode shape.
            let byCalls = chosen.enumerated().sorted { a, b in
                a.element.callsPerForward != b.element.callsPerForward
                    ? a.element.callsPerForward > b.element.callsPerForward : a.offset < b.offset
            }.map(\.element)
            let rows = { (t: TuneTarget) in (try? MatmulShape(key: t.shape))?.m ?? 0 }
            chosen = Array(byCalls.filter { rows($0) > Matmul.skinnyMaxRows }.prefix(2))
                + Array(byCalls.filter { rows($0) <= Matmul.skinnyMaxRows }.prefix(1))
        }
        guard !chosen.isEmpty else { throw ValidationError("--compare-strategies needs matmul shapes") }
        var rows: [StrategyComparison] = []
        for t in chosen {
            ui.note("comparing on matmul \(t.shape): exhaustive, then \(strategy)")
            let r = try StrategyComparison.run(t, strategy: strategy, options: options,
                                               policy: TimingPolicy(), machine: machine,
                                               calibration: calibration, observers: [ui], makeKernel: makeKernel)
            rows.append(r)
            ui.note("matmul \(t.shape): exhaustive \(r.exhaustiveEvaluations) points in \(Self.f(r.exhaustiveSeconds)) s; \(strategy) \(r.strategyPoints) points (\(Self.f(r.fractionOfSpace * 100))%) in \(Self.f(r.strategySeconds)) s; winners head to head \(r.exhaustiveGflops.map { Self.f($0.median) } ?? "-") vs \(r.strategyGflops.map { Self.f($0.median) } ?? "-") GFLOP/s, ratio \(r.ratio.map { Self.f3($0) } ?? "-")")
        }
        ui.finish()
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try enc.encode(rows), as: UTF8.self))
            return
        }
        var table = TextTable(header: ["shape", "space", "exhaustive evals", "exhaustive s", "exhaustive GFLOP/s",
                                       "\(strategy) points", "% of space", "\(strategy) s", "\(strategy) GFLOP/s", "ratio"])
        for r in rows {
            table.append([r.target.shape, "\(r.spaceSize)", "\(r.exhaustiveEvaluations)", Self.f(r.exhaustiveSeconds),
                          r.exhaustiveGflops.map { Self.f($0.median) } ?? "-", "\(r.strategyPoints)",
                          Self.f(r.fractionOfSpace * 100), Self.f(r.strategySeconds),
                          r.strategyGflops.map { Self.f($0.median) } ?? "-", r.ratio.map { Self.f3($0) } ?? "-"])
        }
        print(table.render())
        print("ratio = \(strategy) winner / exhaustive winner, GFLOP/s medians timed head to head, interleaved")
    }

    /// The closing table: per kernel and shape, default vs tuned GFLOP/s (head to head), speedup, evaluations.
    static func table(_ results: [ShapeResult]) -> TextTable {
        var t = TextTable(header: ["kernel", "shape", "weights", "default GFLOP/s", "tuned GFLOP/s", "speedup", "evals", "space", "s", "note"])
        for r in results {
            var note: [String] = []
            if let p = r.problem { note.append(p) }
            if r.keptDefault && r.problem == nil { note.append(r.strategyPick == r.defaultParams ? "default is best" : "kept default") }
            if r.replayed > 0 { note.append("\(r.replayed) from journal") }
            let bad = r.outcomes.filter { $0.key != CandidateOutcome.ok.rawValue && $0.value > 0 }
            if !bad.isEmpty { note.append(bad.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")) }
            t.append([r.target.kernel.rawValue, r.target.shape, r.condition.rawValue, r.defaultGflops.map { f($0.median) } ?? "-",
                      r.chosenGflops.map { f($0.median) } ?? "-", f3(r.speedup), "\(r.evaluations)", "\(r.spaceSize)",
                      f(r.seconds), note.joined(separator: "; ")])
        }
        return t
    }

    static func f(_ x: Double) -> String { "\((x * 10).rounded() / 10)" }
    static func f3(_ x: Double) -> String { "\((x * 1000).rounded() / 1000)" }
}
