import ArgumentParser
import Configs
import Foundation
import Inference
import Kernels
import Models
import Probe
import Report
import Simulator
import Tuner

/// `ktune profile`: end-to-end generation in llama-bench's terms (tests, flags, records), with a per-op
/// roofline breakdown, a Perfetto trace, default vs tuned configs interleaved, and the same op sequence
/// priced on GPUs.
struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Benchmark prompt processing and generation like llama-bench, with a per-op breakdown, a trace and GPU pricing.",
        discussion: """
            Tests: -p N (an N-token prompt), -n N (N generated tokens), -pg P,G (both, timed together); each \
            list is comma-separated and may repeat; only the kinds named run (no -p/-n/-pg: -p 512 -n 128). \
            Each combination of test × --threads × --config is one row: mean ± sample stddev tokens/s over -r \
            repetitions after a warm-up, the configs interleaved repetition by repetition. Prompts are a BOS \
            token and seeded random tokens; generation starts from BOS and feeds back the argmax (timed, \
            shown as the op "sampling"); tokenization is never timed. --config default,FILE compares the \
            analytical plan with tuned configs (default: the analytical plan and this machine's tuned config \
            from $KTUNE_HOME/tuned/<fingerprint>.json when it exists; with --store or KTUNE_STORE, the store's \
            newest config for exactly this machine's fingerprint instead, said so on stderr, and every row is \
            stored in the store's profile table afterwards). Disturbed repetitions (the tuner's \
            calibration kernel below 80% of its best) are flagged with "!". The roofline uses `ktune probe`'s \
            microbenchmarks (about 6 s; --no-roofline skips).
            """)

    @Option(name: [.customShort("m"), .long], help: "GGUF model file.")
    var model: String = "models/SmolLM2-135M-Instruct.Q4_1.gguf"

    @Option(name: [.customShort("p"), .customLong("n-prompt")], parsing: .singleValue, help: "Prompt lengths (comma-separated).")
    var nPrompt: [String] = []

    @Option(name: [.customShort("n"), .customLong("n-gen")], parsing: .singleValue, help: "Generation lengths (comma-separated).")
    var nGen: [String] = []

    @Option(name: .customLong("pg", withSingleDash: true), parsing: .singleValue, help: ArgumentHelp("Prompt then generation, timed together.", valueName: "P,G"))
    var pg: [String] = []

    @Option(name: [.customShort("r"), .long], help: "Repetitions of each test after the warm-up.")
    var repetitions: Int = 5

    @Option(name: [.customShort("t"), .long], parsing: .singleValue, help: "Thread counts (comma-separated; default: every core).")
    var threads: [String] = []

    @Option(name: [.customShort("o"), .long], help: "Output format: md, csv, json, jsonl or sql.")
    var output: String = "md"

    @Option(name: .long, help: ArgumentHelp("Configs to compare: 'default' and tuned-config files, comma-separated.", valueName: "default,FILE,..."))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("Write a Chrome trace-event JSON (Perfetto) of each row's last repetition.", valueName: "FILE"))
    var trace: String?

    @Option(name: .long, help: ArgumentHelp("Price the recorded op sequence on these GPUs (profiles/gpus ids).", valueName: "h800-sxm,h100-sxm,..."))
    var gpu: String?

    @Option(name: .long, help: ArgumentHelp("Append every row as a JSON line to FILE as soon as it completes.", valueName: "FILE"))
    var save: String?

    @Flag(name: .customLong("no-warmup"), help: "Skip the warm-up runs.")
    var noWarmup = false

    @Flag(name: .long, help: "Keep the model file memory-mapped (4 KiB pages) instead of copying it into huge pages at load (llama-bench's --mmap 1).")
    var mmap = false

    @Flag(name: .customLong("no-roofline"), help: "Skip the probe microbenchmarks (no bound or fraction of limit).")
    var noRoofline = false

    @Option(name: .long, help: "Seed of the random prompt tokens.")
    var seed: UInt64 = 1

    @Option(name: .long, help: ArgumentHelp("Repository root holding profiles/ (for --gpu).", valueName: "dir"))
    var profiles: String?

    @Option(help: ArgumentHelp("Results store (default: $KTUNE_STORE): without --config, profile the store's newest tuned config for this machine beside the default; every row is stored afterwards.",
                               valueName: "postgres://user:password@host:port/db"))
    var store: String?

    func validate() throws {
        do { _ = try ProfileOutputFormat.parse(output) } catch { throw ValidationError(error.description) }
        _ = try tests()
        _ = try threadCounts()
        if repetitions < 1 || repetitions > 1000 { throw ValidationError("-r/--repetitions must be 1 to 1000, got \(repetitions)") }
        if let trace { try Self.checkWritable(trace, flag: "--trace") }
        if let save { try Self.checkWritable(save, flag: "--save") }
        if let store, !store.isEmpty {
            guard StoreBridge.available else { throw ValidationError("--store: \(StoreBridge.missingTrait)") }
            try StoreBridge.validate(store)
        } else if let env = StoreBridge.url(flag: nil), StoreBridge.available {
            do { try StoreBridge.validate(env) } catch { throw ValidationError("KTUNE_STORE: \(error)") }
        }
    }

    /// The tests named on the command line, in llama-bench's order (prompt tests, generation tests, pg).
    func tests() throws -> [BenchTest] {
        let p = try Self.positiveList(nPrompt, flag: "-p/--n-prompt")
        let n = try Self.positiveList(nGen, flag: "-n/--n-gen")
        var out: [BenchTest] = []
        for x in pg {
            let parts = x.split(separator: ",", omittingEmptySubsequences: false)
            guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), a >= 1, b >= 1, a <= 1 << 20, b <= 1 << 20 else {
                throw ValidationError("-pg expects P,G with two whole numbers ≥ 1 (prompt tokens, generated tokens), got '\(x)'")
            }
            out.append(BenchTest(nPrompt: a, nGen: b))
        }
        if p.isEmpty && n.isEmpty && out.isEmpty {
            return [BenchTest(nPrompt: 512, nGen: 0), BenchTest(nPrompt: 0, nGen: 128)]
        }
        return p.map { BenchTest(nPrompt: $0, nGen: 0) } + n.map { BenchTest(nPrompt: 0, nGen: $0) } + out
    }

    func threadCounts() throws -> [Int] {
        let t = try Self.positiveList(threads, flag: "-t/--threads", max: 1024)
        return t.isEmpty ? [max(1, HostCPU.onlineCPUs)] : t
    }

    static func positiveList(_ values: [String], flag: String, max: Int = 1 << 20) throws -> [Int] {
        var out: [Int] = []
        for v in values {
            for part in v.split(separator: ",", omittingEmptySubsequences: false) {
                guard let x = Int(part.trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError("\(flag) expects whole numbers separated by commas, got '\(part)' in '\(v)'")
                }
                if x < 1 {
                    let hint = flag.hasPrefix("-p") ? " (a prompt needs at least 1 token; to run only generation give -n without -p)"
                        : flag.hasPrefix("-n") ? " (to run only prompt processing give -p without -n)" : ""
                    throw ValidationError("\(flag) \(x): expected a number from 1 to \(max)\(hint)")
                }
                if x > max { throw ValidationError("\(flag) \(x): expected at most \(max)") }
                out.append(x)
            }
        }
        return out
    }

    /// Fails unless `path` can be written: its directory exists and accepts a file (tried with a probe
    /// file next to it, removed at once), and an existing file there is writable.
    static func checkWritable(_ path: String, flag: String) throws {
        let fm = FileManager.default
        let dir = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw ValidationError("\(flag) \(path): directory '\(dir)' does not exist")
        }
        if fm.fileExists(atPath: path, isDirectory: &isDir) {
            if isDir.boolValue { throw ValidationError("\(flag) \(path): is a directory, expected a file path") }
            if !fm.isWritableFile(atPath: path) { throw ValidationError("\(flag) \(path): the file exists and is not writable") }
        }
        let probe = (dir as NSString).appendingPathComponent(".ktune-write-check-\(getpid())")
        guard fm.createFile(atPath: probe, contents: Data()) else {
            throw ValidationError("\(flag) \(path): cannot create files in '\(dir)' (permission denied or read-only)")
        }
        try? fm.removeItem(atPath: probe)
    }

    func run() throws {
        try ProfileSession(command: self).run()
    }
}
