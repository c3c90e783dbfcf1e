import ArgumentParser
import Configs
import Foundation
import Inference
import Kernels
import Measure
import Models
import Probe
import Report
import Simulator
import Tuner

/// One `ktune profile` invocation: checks everything it can before measuring, then runs the tests with
/// the configs interleaved, printing (and saving) each row as its test completes.
final class ProfileSession {
    let cmd: ProfileCommand
    let err = FileHandle.standardError
    let out = FileHandle.standardOutput

    init(command: ProfileCommand) { cmd = command }

    func note(_ s: String) { err.write(Data((s + "\n").utf8)) }
    func emit(_ s: String) { if !s.isEmpty { out.write(Data(s.utf8)) } }

    /// A plan to compare: "default" or a tuned-config file.
    struct ConfigChoice {
        var label: String
        var path: String?
    }

    /// What one row measured.
    struct RowResult {
        var config: ConfigChoice
        var plan: KernelPlan
        var runner: BenchRunner
        var samples: [UInt64] = []
        var disturbed: [Bool] = []
        var breakdown = OpBreakdown()
        var startTime = Date()
    }

    func run() throws {
        let format = try ProfileOutputFormat.parse(cmd.output)
        let tests = try cmd.tests()
        let threadList = try cmd.threadCounts()
        let maxTokens = tests.map(\.tokens).max() ?? 1

        // The model's header: the context it supports, before anything is measured or allocated.
        let file: GGUFFile
        do { file = try GGUFFile(path: cmd.model) } catch { throw InferenceCommandError("\(cmd.model): \(error)") }
        let arch = file["general.architecture"]?.stringValue ?? "unknown"
        if let ctx = file["\(arch).context_length"]?.intValue {
            for t in tests {
                if t.nPrompt > ctx {
                    throw ValidationError("a prompt of \(t.nPrompt) tokens (\(t.name)) is longer than the model supports: \(cmd.model) field \(arch).context_length = \(ctx)")
                }
                if t.tokens > ctx {
                    throw ValidationError("-n \(t.nGen) goes beyond the context: \(t.name) needs \(t.tokens) positions, \(cmd.model) field \(arch).context_length = \(ctx)")
                }
            }
        }

        // GPUs to price on, checked before measuring.
        var gpus: [GPUProfile] = []
        var calibration: Calibration?
        if let list = cmd.gpu {
            let catalog = HardwareCatalog(root: cmd.profiles)
            do {
                for id in list.split(separator: ",").map({ String($0).trimmingCharacters(in: .whitespaces) }) where !id.isEmpty {
                    gpus.append(try catalog.gpu(id))
                }
                calibration = try catalog.calibration()
            } catch { throw ValidationError("--gpu \(list): \(error)") }
            if gpus.isEmpty { throw ValidationError("--gpu needs at least one GPU id, e.g. h800-sxm") }
        }

        // The machine: fingerprint, traits, and (unless skipped) the measured limits.
        if !cmd.noRoofline { note("probing this machine's compute and bandwidth limits (about 6 s; --no-roofline skips)...") }
        let machine = try Prober.probe(options: cmd.noRoofline ? .noBenchmarks
                                       : ProbeOptions(benchmarks: true, secondsPerFigure: 0.3, maxThreads: threadList.max()))
        let traits = MachineTraits(machine: machine)

        // Configs: each file must load for this machine (a comparison against a silent fallback is no comparison).
        let configs = try resolveConfigs(fingerprint: machine.fingerprint)

        // The model, once; one transformer per thread count × config over the same weights.
        let defaultPlan = KernelPlan(config: nil, machine: traits, threads: threadList.max() ?? 1)
        let pools = Dictionary(uniqueKeysWithValues: Set(threadList).map { ($0, WorkerPool(threads: $0)) })
        let engine: Engine
        do {
            engine = try Engine(modelPath: cmd.model, plan: defaultPlan, pool: pools[threadList[0]]!, contextLength: maxTokens,
                                residency: cmd.mmap ? .mapped : .hugePages)
        } catch { throw InferenceCommandError("\(error)") }
        let weights = engine.transformer.weights
        let info = ModelInfo(file: file, path: cmd.model, architecture: arch, config: weights.config)
        note("model \(info.type): \(weights.config.numHiddenLayers) layers, \(String(format: "%.0f", Double(weights.bytes) / 1e6)) MB weights in memory, loaded in \(String(format: "%.2f", engine.loadSeconds)) s")

        let monitor = try makeMonitor(pool: pools[threadList.max() ?? 1]!, traits: traits)
        let workloads = engine.workloads(promptTokens: tests.map(\.nPrompt).max() ?? 1, context: maxTokens)
        let commit = Self.buildCommit()
        var writer = ProfileRecordWriter(format: format)
        var wroteHeader = false
        var records: [ProfileRecord] = []
        var traceEvents: [TraceEvent] = []
        var reports: [(threads: Int, test: BenchTest, rows: [RowResult], roofline: Roofline?)] = []

        for t in threadList {
            let pool = pools[t]!
            let roofline = Self.roofline(machine: machine, threads: t)
            var rows: [RowResult] = []
            for c in configs {
                let plan = KernelPlan.load(configPath: c.path, fingerprint: machine.fingerprint, machine: traits, threads: t)
                for w in plan.warnings { note("warning: \(w)") }
                let transformer: Transformer
                do {
                    transformer = try Transformer(weights: weights, runner: KernelRunner(pool: pool, plan: plan), contextLength: maxTokens)
                } catch { throw InferenceCommandError("\(error)") }
                rows.append(RowResult(config: c, plan: plan,
                                      runner: BenchRunner(transformer: transformer, bos: engine.tokenizer.addBOS ? engine.tokenizer.bos : nil)))
            }
            for test in tests {
                for i in rows.indices {
                    rows[i].samples = []; rows[i].disturbed = []; rows[i].breakdown = OpBreakdown()
                    rows[i].startTime = Date()
                }
                if !cmd.noWarmup {
                    for r in rows {
                        do {
                            if test.nPrompt > 0 { _ = try r.runner.run(BenchTest(nPrompt: test.nPrompt, nGen: 0), seed: cmd.seed) }
                            if test.nGen > 0 { _ = try r.runner.run(BenchTest(nPrompt: 0, nGen: 1), seed: cmd.seed) }
                        } catch { throw InferenceCommandError("\(error)") }
                    }
                }
                var before = monitor?.check(note: note).disturbed ?? false
                let timeline = cmd.trace != nil ? ChunkTimeline(threads: t) : nil
                for rep in 0..<cmd.repetitions {
                    let last = rep == cmd.repetitions - 1
                    // Interleaved, the order rotated every repetition so drift hits every config alike.
                    for j in 0..<rows.count {
                        let i = (j + rep) % rows.count
                        if last, let timeline { timeline.clear(); pool.timeline = timeline }
                        let ns: UInt64
                        do { ns = try rows[i].runner.run(test, seed: cmd.seed &+ UInt64(rep)) } catch {
                            pool.timeline = nil
                            throw InferenceCommandError("\(error)")
                        }
                        pool.timeline = nil
                        let events = rows[i].runner.recorder.events
                        rows[i].samples.append(ns)
                        rows[i].breakdown.add(events: events, measuredNs: ns, weights: weights)
                        if last, let timeline {
                            let chunks = (0..<t).map { timeline.chunks(worker: $0) }
                            if timeline.dropped > 0 { note("trace: \(timeline.dropped) kernel chunks not recorded (buffer full)") }
                            let pid = traceEvents.isEmpty ? 1 : (traceEvents.map(\.pid).max() ?? 0) + 1
                            traceEvents += ProfileTrace.events(pid: pid, process: "\(ProfileRecordWriter.configLabel(rows[i].config.label)) t=\(t) \(test.name)",
                                                               recorded: events, chunks: chunks, weights: weights,
                                                               origin: events.first?.t ?? 0)
                        }
                    }
                    let after = monitor?.check(note: note).disturbed ?? false
                    for i in rows.indices { rows[i].disturbed.append(before || after) }
                    before = after
                }
                for r in rows {
                    let rec = record(r, test: test, threads: t, info: info, machine: machine, commit: commit,
                                     workloads: workloads, roofline: roofline, gpus: gpus, calibration: calibration)
                    if !wroteHeader { emit(writer.header()); wroteHeader = true }
                    emit(try writer.row(rec))
                    if let save = cmd.save { try Self.append(try ProfileRecordWriter.jsonLine(rec), to: save) }
                    records.append(rec)
                }
                reports.append((t, test, rows, roofline))
            }
        }
        if !wroteHeader { emit(writer.header()) }
        emit(writer.footer())
        if records.contains(where: { $0.ktune.disturbed }) {
            note("! some repetitions ran while the calibration kernel was below 80% of its best (another process was using the cores); those rows are marked")
        }

        // The breakdowns: on stdout with the Markdown table, on stderr with machine-readable output.
        let tables: [ProfileTables.Report] = reports.map { rep in
            ProfileTables.Report(threads: rep.threads, test: rep.test,
                                 rows: rep.rows.map { (config: $0.config.label, breakdown: $0.breakdown) }, roofline: rep.roofline)
        }
        let text = ProfileTables.render(reports: tables,
                                        records: records, gpus: gpus, calibration: calibration, weights: weights)
        if format == .md { emit("\n" + text) } else { note(text) }

        if let path = cmd.trace {
            let trace = ChromeTrace(events: traceEvents)
            try trace.write(to: path)
            note("trace: \(traceEvents.count) events → \(path) (open in https://ui.perfetto.dev)")
        }
        if let url = StoreBridge.url(flag: cmd.store) {
            StoreBridge.pushProfileRows(url: url, records: records, savedTo: cmd.save, note: note)
        }
    }

    func resolveConfigs(fingerprint: String) throws -> [ConfigChoice] {
        guard let list = cmd.config else {
            var out = [ConfigChoice(label: "default", path: nil)]
            // The store's newest config for exactly this fingerprint, if there is one (said so); else the local one.
            if let url = StoreBridge.url(flag: cmd.store),
               let path = StoreBridge.pickUpConfig(url: url, fingerprint: fingerprint, note: note) {
                if case .loaded = TunedConfigFile.load(path, expectingFingerprint: fingerprint) {
                    out.append(ConfigChoice(label: path, path: path))
                    return out
                }
                note("warning: the store's config (\(path)) cannot be used for this machine; trying the local one")
            }
            let tuned = TunedConfigLocation.defaultPath(fingerprint: fingerprint)
            if FileManager.default.fileExists(atPath: tuned) {
                if case .loaded = TunedConfigFile.load(tuned, expectingFingerprint: fingerprint) {
                    out.append(ConfigChoice(label: tuned, path: tuned))
                } else {
                    note("warning: \(tuned) exists but cannot be used for this machine; profiling the analytical plan only")
                }
            }
            return out
        }
        var out: [ConfigChoice] = []
        for item in list.split(separator: ",").map({ String($0).trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            if item == "default" { out.append(ConfigChoice(label: "default", path: nil)); continue }
            switch TunedConfigFile.load(item, expectingFingerprint: fingerprint) {
            case .loaded: out.append(ConfigChoice(label: item, path: item))
            case .fallback(let why):
                throw ValidationError("--config \(item): " + why.replacingOccurrences(of: "; using analytical defaults", with: "") + " (expected a tuned config for this machine, or 'default')")
            }
        }
        if out.isEmpty { throw ValidationError("--config needs 'default' or at least one tuned-config file") }
        return out
    }

    /// The tuner's noisy-neighbour monitor, reporting only (no pauses: the rows say which repetitions were disturbed).
    func makeMonitor(pool: WorkerPool, traits: MachineTraits) throws -> CalibrationMonitor? {
        var policy = CalibrationMonitor.Policy()
        policy.maxTotalPauseSeconds = 0
        do {
            let k = try KernelRegistry.instance(family: .matmul, shape: "64x256x256", pool: pool, seed: 7)
            return try CalibrationMonitor(kernel: k, params: k.analyticalDefault(on: traits), policy: policy)
        } catch {
            note("warning: the noisy-neighbour monitor could not start (\(error)); rows are not checked for disturbance")
            return nil
        }
    }

    static func append(_ line: String, to path: String) throws {
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        guard let h = FileHandle(forWritingAtPath: path) else { throw ValidationError("--save \(path): cannot open for appending") }
        defer { try? h.close() }
        try h.seekToEnd()
        try h.write(contentsOf: Data(line.utf8))
    }

    /// The git commit of the working directory's repository (llama-bench compiles its own in), or "unknown".
    static func buildCommit() -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "rev-parse", "--short=7", "HEAD"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return "unknown" }
        p.waitUntilExit()
        let s = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return p.terminationStatus == 0 && !s.isEmpty ? s : "unknown"
    }

    /// The probed limits for `threads` threads: widest-SIMD FMA peak, read bandwidth per level, capacities.
    static func roofline(machine: Machine, threads: Int) -> Roofline? {
        guard let m = machine.measured else { return nil }
        let lanes = m.fma.map(\.lanes).max() ?? 0
        guard let peak = m.peak(lanes: lanes, threads: threads)?.median, peak > 0 else { return nil }
        var bw: [String: Double] = [:], cap: [String: Double] = [:]
        for (level, key) in [("L1", "l1"), ("L2", "l2"), ("L3", "l3"), ("DRAM", "dram")] {
            if let b = m.bandwidth(level: level, threads: threads)?.median, b > 0 { bw[key] = b }
        }
        if let l1 = machine.cache(level: 1, kind: .data)?.sizeBytes { cap["l1"] = Double(l1 * threads) }
        if let l2 = machine.cache(level: 2, kind: .unified)?.sizeBytes { cap["l2"] = Double(l2 * threads) }
        if let l3 = machine.cache(level: 3, kind: .unified), let s = l3.sizeBytes { cap["l3"] = Double(s * max(1, l3.count)) }
        return Roofline(peakGflops: peak, bandwidthGBps: bw, capacityBytes: cap)
    }

    /// The record of one row.
    func record(_ r: RowResult, test: BenchTest, threads: Int, info: ModelInfo, machine: Machine, commit: String,
                workloads: [KernelWorkload], roofline: Roofline?, gpus: [GPUProfile], calibration: Calibration?) -> ProfileRecord {
        let described = r.plan.describe(workloads).joined(separator: "\n")
        let b = r.breakdown
        let runs = Double(max(1, b.runs))
        let measured = Double(b.measuredNs) / runs
        let ops = ProfileTables.opRows(b, roofline: roofline)
        let gpuRows: [ProfileRecord.GPURow] = gpus.compactMap { g in
            guard let calibration, let ns = try? ProfileTables.gpuNs(b, gpu: g, calibration: calibration, model: info.config) else { return nil }
            return ProfileRecord.GPURow(gpu: g.id, totalNs: Int(ns.rounded()), tokensPerSecond: ns > 0 ? Double(test.tokens) * 1e9 / ns : 0,
                                        precision: "bf16")
        }
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime]
        let prov = ProfileRecord.Provenance(
            machineFingerprint: machine.fingerprint, config: r.config.label, configHash: Fingerprint.fnv1a64Hex(described),
            planSummary: r.plan.summary(workloads), disturbed: r.disturbed.contains(true), samplesDisturbed: r.disturbed,
            ops: ops, otherNs: Int((Double(b.otherNs) / runs).rounded()),
            coverage: measured > 0 ? Double(b.opNs) / runs / measured : 0, gpu: gpuRows)
        return ProfileRecord(buildCommit: commit, cpuInfo: machine.cpu.model ?? "unknown", modelFilename: info.path,
                             modelType: info.type, modelSize: info.size, modelNParams: info.params, nThreads: threads,
                             nPrompt: test.nPrompt, nGen: test.nGen, testTime: iso.string(from: r.startTime),
                             samplesNs: r.samples.map { Int($0) }, ktune: prov)
    }
}

/// What llama-bench reports about the model file.
struct ModelInfo {
    var path: String
    var type: String
    var size: Int
    var params: Int
    var config: ModelConfig

    init(file: GGUFFile, path: String, architecture: String, config: ModelConfig) {
        self.path = path
        self.config = config
        size = file.tensors.reduce(0) { $0 + $1.byteCount }
        params = file.tensors.reduce(0) { $0 + $1.elementCount }
        let p = Double(params)
        let label = p >= 1e9 ? String(format: "%.1fB", p / 1e9) : String(format: "%.0fM", p / 1e6)
        let ftype = file["general.file_type"]?.intValue.flatMap { Self.fileTypes[$0] } ?? "unknown"
        type = "\(architecture) \(label) \(ftype)"
    }

    /// llama.cpp's `llama_ftype` names (general.file_type).
    static let fileTypes: [Int: String] = [0: "all F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1",
                                           10: "Q2_K", 11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M",
                                           16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K", 32: "BF16"]
}
