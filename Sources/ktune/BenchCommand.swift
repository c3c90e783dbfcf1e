import ArgumentParser
import Kernels
import Measure
import Probe
import Report
#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// `ktune bench FAMILY --shape ...`: times one kernel family at one shape (median/min/max after warmup,
/// GFLOP/s and GB/s), verified against its reference first; matmul also runs OpenBLAS's `cblas_sgemm` on
/// the same operands, interleaved, and reports the ratio.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark one kernel at one shape (verified first; matmul side by side with OpenBLAS).",
        discussion: "Families: " + KernelRegistry.all.map { "\($0.id) (--shape \($0.shapeGrammar))" }.joined(separator: "; "))

    @Argument(help: "Kernel family: \(KernelRegistry.families.joined(separator: ", ")).")
    var family: String

    @Option(help: "Shape key of the family, e.g. 1024x1024x1024 for matmul (M×N×K).")
    var shape: String

    @Option(help: "matmul only: B layout, kn ([K×N], BLAS) or nk ([N×K] weight, the default).")
    var layout: String?

    @Option(help: ArgumentHelp("matmul only: weights kept in a GGUF block format (\(QuantFormat.allCases.map(\.name).joined(separator: ", "))); "
                               + "times family matmul.<format> beside the FP32 matmul on the same shape and a DRAM read stream, interleaved.",
                               valueName: "format"))
    var weights: String?

    @Option(help: "Threads (default: the analytical default's choice; the pool has this many or all cores).")
    var threads: Int?

    @Option(help: "Parameters overriding the analytical default, e.g. mr=8,nr=32,kc=256.")
    var params: String?

    @Option(help: "Maximum measured repeats (at least 5 unless fewer are given).")
    var repeats: Int = 30

    @Option(help: "Warm-up runs before measuring.")
    var warmup: Int = 2

    @Option(help: "Stop sampling after this many seconds.")
    var maxSeconds: Double = 20

    @Flag(help: "Skip the OpenBLAS baseline.")
    var noBaseline = false

    @Flag(help: "Skip the DRAM read-bandwidth figure measured interleaved with the kernel.")
    var noDram = false

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func run() throws {
        // The same derivation as tune and generate: the probed machine's traits (hwloc's view if probing fails).
        let traits = (try? Prober.probe(options: ProbeOptions(benchmarks: false))).map { MachineTraits(machine: $0) }
            ?? MachineTraits.host()
        let threadCount = threads ?? traits.cores
        guard threadCount >= 1 else { throw ValidationError("--threads must be at least 1, got \(threadCount)") }
        try Self.checkMeasurement(repeats: repeats, warmup: warmup, maxSeconds: maxSeconds)
        if let weights {
            guard family == Matmul.family else { throw ValidationError("--weights applies to matmul only") }
            guard layout == nil || layout == "nk" else { throw ValidationError("--weights takes the nk layout (W is [N×K])") }
            guard let format = QuantFormat(name: weights) else {
                throw ValidationError("--weights must be one of \(QuantFormat.allCases.map(\.name).joined(separator: ", ")), got '\(weights)'")
            }
            try runQuantized(format: format, traits: traits, threadCount: threadCount)
            return
        }
        var key = shape
        if let layout {
            guard family == Matmul.family else { throw ValidationError("--layout applies to matmul only") }
            guard MatrixLayout(rawValue: layout) != nil else { throw ValidationError("--layout must be kn or nk, got '\(layout)'") }
            if layout == "kn" { key += "/kn" }
        }
        try RequestLimits.checkThreads(threadCount)
        let typed = try KernelRegistry.family(named: family).shape(key)
        try RequestLimits.checkOperands(bytes: typed.bytes, what: "bench shape \(family) \(key)")
        let pool = WorkerPool(threads: threadCount)
        let instance = try KernelRegistry.instance(family: family, shape: key, pool: pool, seed: 1)
        var chosen = instance.analyticalDefault(on: traits)
        if let threads, chosen["threads"] != nil { chosen["threads"] = threads }
        if let params {
            for (name, value) in try ParameterSet(parsing: params).values { chosen[name] = value }
        }
        let settled = chosen
        let check = try instance.verify(settled)
        guard check.passed else {
            throw ValidationError("\(family) \(instance.shapeKey) with \(chosen) is WRONG: max error \(check.maxError) > bound \(check.bound)")
        }

        var bodies: [() throws -> Void] = [{ try instance.run(settled) }]
        var baselineName: String? = nil
        var baselineNote: String? = nil
        if family == Matmul.family, !noBaseline, let mm = instance as? MatmulInstance {
            switch OpenBLASBaseline.load(threads: threadCount) {
            case .success(let blas):
                baselineName = blas.name
                bodies.append {
                    blas.sgemm(m: mm.m, n: mm.n, k: mm.k, a: mm.a, lda: mm.lda, b: mm.b, ldb: mm.ldb,
                               transposedB: mm.layout == .nk, c: mm.c, ldc: mm.ldc)
                }
            case .failure(let e):
                baselineNote = e.description
            }
        }
        // DRAM read bandwidth on the same threads, interleaved with the kernel (same load, same minute).
        var dramIndex: Int? = nil
        var stream: StreamRead? = nil
        if !noDram {
            let s = try StreamRead(for: traits)
            stream = s
            dramIndex = bodies.count
            let t = chosen["threads"] ?? threadCount
            bodies.append { s.run(pool: pool, threads: t) }
        }
        let policy = MeasurementPolicy(warmup: warmup, minRepeats: min(5, repeats), maxRepeats: repeats,
                                       maxSeconds: maxSeconds)
        let results = try Harness.interleaved(bodies, policy: policy)
        let ours = results[0].seconds
        let gflops = ours.map { instance.flops / $0 * 1e-9 }
        let gbps = instance.bytes / ours.median * 1e-9
        var baseline: BenchReport.Baseline? = nil
        var paired: Double? = nil
        var dram: BenchReport.DRAM? = nil
        if let dramIndex, let stream {
            let g = results[dramIndex].seconds.map { Double(stream.bytes) / $0 * 1e-9 }
            // Attainable time: the bytes at the DRAM median (FMA peak is far above these kernels' needs;
            // compare GFLOP/s with `ktune probe`'s FMA figure for compute-bound shapes).
            dram = .init(bytes: stream.bytes, gbps: .init(median: g.median, min: g.min, max: g.max),
                         fraction: gbps / g.median)
        }
        if let baselineName, results.count > 1 {
            // Round by round (the two samples of a round ran back to back under the same load).
            let ratios = zip(results[0].samples, results[1].samples).map { $1 / $0 }
            paired = Summary(ratios).median
            let g = results[1].seconds.map { instance.flops / $0 * 1e-9 }
            baseline = .init(name: baselineName, gflops: g.median, gflopsMin: g.min, gflopsMax: g.max)
        }
        let report = BenchReport(
            kernel: family, shape: instance.shapeKey, threads: chosen["threads"] ?? threadCount, params: chosen,
            gflops: .init(median: gflops.median, min: gflops.min, max: gflops.max), gbps: gbps,
            seconds: ours, samples: ours.count, verification: check, baseline: baseline,
            ratio: baseline.map { gflops.median / $0.gflops }, pairedRatio: paired, dram: dram, note: baselineNote)
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            print(String(decoding: try enc.encode(report), as: UTF8.self))
        } else {
            print(report.table())
        }
    }
}

extension BenchCommand {
    /// Refuses measurement flags that would loop for days or never stop: the warm-up runs are not capped by
    /// --max-seconds, and every repeat keeps a sample.
    static func checkMeasurement(repeats: Int, warmup: Int, maxSeconds: Double) throws {
        if repeats < 1 || repeats > 100_000 { throw ValidationError("--repeats \(repeats): expected 1 to 100000") }
        if warmup < 0 || warmup > 10_000 { throw ValidationError("--warmup \(warmup): expected 0 to 10000 runs") }
        if !maxSeconds.isFinite || maxSeconds <= 0 || maxSeconds > 86_400 {
            throw ValidationError("--max-seconds \(maxSeconds): expected a number of seconds above 0 and at most 86400")
        }
    }

    /// `--weights`: the quantized family, its FP32 baseline and a DRAM stream, interleaved round by round.
    /// Decode shapes (M ≤ 16) rotate through copies of the weights that together exceed 3× the L3, so each
    /// call reads its weights from DRAM as in a model.
    func runQuantized(format: QuantFormat, traits: MachineTraits, threadCount: Int) throws {
        let pool = WorkerPool(threads: threadCount)
        let probe = try QuantMatmulInstance(format: format, shapeKey: shape, pool: pool, copies: 1)
        let m = probe.m, n = probe.n, k = probe.k
        let matrixBytes = probe.storage.matrixBytes
        let copies = QuantMatmulInstance.coldCopies(m: m, matrixBytes: matrixBytes, l3Bytes: traits.l3Bytes)
        let q = copies == 1 ? probe : try QuantMatmulInstance(format: format, m: m, n: n, k: k, pool: pool, copies: copies)
        var chosen = q.analyticalDefault(on: traits)
        if let threads { chosen["threads"] = threads }
        if let params {
            for (name, value) in try ParameterSet(parsing: params).values { chosen[name] = value }
        }
        let settled = chosen
        let check = try q.verify(settled)
        guard check.passed else {
            throw ValidationError("matmul.\(format.name) \(q.shapeKey) with \(settled) is WRONG: error \(check.maxError) of the bound")
        }
        let fp = try MatmulInstance(m: m, n: n, k: k, layout: .nk, pool: pool, seed: 1)
        var fpParams = fp.analyticalDefault(on: traits)
        if let threads, fpParams["threads"] != nil { fpParams["threads"] = threads }
        let fpSettled = fpParams
        guard try fp.verify(fpSettled).passed else { throw ValidationError("FP32 baseline failed verification") }
        let dram = try StreamRead(bytes: max(128 << 20, 4 * traits.l3Bytes))
        let policy = MeasurementPolicy(warmup: warmup, minRepeats: min(5, repeats), maxRepeats: repeats, maxSeconds: maxSeconds)
        let results = try Harness.interleaved([{ try q.run(settled) }, { try fp.run(fpSettled) },
                                               { dram.run(pool: pool, threads: threadCount) }], policy: policy)
        let ours = results[0].seconds
        let gflops = ours.map { q.flops / $0 * 1e-9 }
        let fpG = results[1].seconds.map { fp.flops / $0 * 1e-9 }
        let dramGBps = Double(dram.bytes) / results[2].seconds.median * 1e-9
        let weightGBps = q.weightBytes / ours.median * 1e-9
        let paired = Summary(zip(results[0].samples, results[1].samples).map { $1 / $0 }).median
        let report = BenchReport(
            kernel: QuantMatmul.family(format).rawValue, shape: q.shapeKey, threads: settled["threads"] ?? threadCount, params: settled,
            gflops: .init(median: gflops.median, min: gflops.min, max: gflops.max), gbps: q.bytes / ours.median * 1e-9,
            seconds: ours, samples: ours.count, verification: check,
            baseline: .init(name: "ktune matmul fp32 \(fpSettled)", gflops: fpG.median, gflopsMin: fpG.min, gflopsMax: fpG.max),
            ratio: gflops.median / fpG.median, pairedRatio: paired,
            note: "weights \(format) \(matrixBytes) B × \(copies) cop\(copies == 1 ? "y" : "ies") (cold when M ≤ 16); "
                + "DRAM: \(threadCount)-thread read stream of \(dram.bytes >> 20) MiB, interleaved",
            weights: format.name, weightGBps: weightGBps, dramGBps: dramGBps, dramFraction: weightGBps / dramGBps,
            dramRooflineGFLOPs: q.flops / q.weightBytes * dramGBps, weightCopies: copies,
            weightGBpsBest: q.weightBytes / ours.min * 1e-9, dramGBpsBest: Double(dram.bytes) / results[2].seconds.min * 1e-9)
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            print(String(decoding: try enc.encode(report), as: UTF8.self))
        } else {
            print(report.table())
        }
    }
}

/// The machine-readable result of one `ktune bench` run.
struct BenchReport: Codable {
    struct Range3: Codable { var median: Double; var min: Double; var max: Double }
    struct Baseline: Codable { var name: String; var gflops: Double; var gflopsMin: Double; var gflopsMax: Double }
    var kernel: String
    var shape: String
    var threads: Int
    var params: ParameterSet
    var gflops: Range3
    var gbps: Double
    var seconds: Summary
    var samples: Int
    var verification: Verification
    var baseline: Baseline?
    /// Our median GFLOP/s over the baseline's (measured interleaved).
    var ratio: Double?
    /// Median over rounds of (baseline time / our time) within the same round: robust to load drifts.
    var pairedRatio: Double?
    /// STREAM-like read bandwidth measured interleaved with the kernel; `fraction` = the kernel's GB/s
    /// (its `bytes`, operands read once) over the DRAM median.
    struct DRAM: Codable { var bytes: Int; var gbps: Range3; var fraction: Double }
    var dram: DRAM?
    var note: String?
    /// `--weights` runs only: the weight format, weight bytes per second of our kernel, the DRAM read
    /// bandwidth measured interleaved in the same run, their ratio, the DRAM roofline in GFLOP/s
    /// (flops per weight byte × DRAM bandwidth) and the number of weight copies rotated.
    var weights: String? = nil
    var weightGBps: Double? = nil
    var dramGBps: Double? = nil
    var dramFraction: Double? = nil
    var dramRooflineGFLOPs: Double? = nil
    var weightCopies: Int? = nil
    /// `--weights` runs: the fastest round's weight GB/s and the fastest DRAM stream's GB/s (on a shared,
    /// loaded machine the medians mix in descheduled rounds; the best rounds show what the kernel and the
    /// memory reach undisturbed).
    var weightGBpsBest: Double? = nil
    var dramGBpsBest: Double? = nil

    func table() -> String {
        func f(_ x: Double, _ d: Int = 1) -> String { String(format: "%.\(d)f", x) }
        var t = TextTable(header: ["kernel", "shape", "threads", "GFLOP/s median (min–max)", "GB/s", "ms median"])
        t.append([kernel, shape, "\(threads)", "\(f(gflops.median)) (\(f(gflops.min))–\(f(gflops.max)))", f(gbps),
                  f(seconds.median * 1e3, 3)])
        if let baseline {
            t.append([baseline.name.split(separator: " ").prefix(2).joined(separator: " "), shape, "\(threads)",
                      "\(f(baseline.gflops)) (\(f(baseline.gflopsMin))–\(f(baseline.gflopsMax)))", "", ""])
        }
        var out = t.render()
        out += "\nparams: \(params)\nverified: max error \(verification.maxError) ≤ \(verification.bound)"
        if let ratio { out += "\nratio vs baseline: \(f(ratio, 3))× (paired per round: \(f(pairedRatio ?? .nan, 3))×)" }
        if let dram {
            out += "\nDRAM read (same run, \(dram.bytes >> 20) MiB): \(f(dram.gbps.median)) GB/s (\(f(dram.gbps.min))–\(f(dram.gbps.max))); kernel at \(f(100 * dram.fraction))% of it"
        }
        if let weights, let weightGBps, let dramGBps, let dramFraction, let dramRooflineGFLOPs {
            out += "\nweights \(weights): \(f(weightGBps)) GB/s of weights = \(f(100 * dramFraction))% of DRAM \(f(dramGBps)) GB/s "
                + "(roofline \(f(dramRooflineGFLOPs)) GFLOP/s)"
            if let weightGBpsBest, let dramGBpsBest {
                out += "\nbest rounds: \(f(weightGBpsBest)) GB/s of weights, DRAM \(f(dramGBpsBest)) GB/s (\(f(100 * weightGBpsBest / dramGBpsBest))%)"
            }
        }
        if let note { out += "\n\(note)" }
        return out
    }
}
