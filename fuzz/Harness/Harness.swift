// libFuzzer harnesses for every input ktune reads, one binary with a selector (KTUNE_FUZZ_TARGET):
//   gguf     GGUF header, metadata, tensor table, tokenizer construction, model-config derivation
//   config   tuned-config loader
//   journal  tuning-journal reader (resume path: header check, entry validation)
//   profile  GPU / rule / model profile loaders (decode + validation)
//   shape    shape-key grammars of every kernel family
//   params   the --params grammar, checked against each family's parameter ranges
//   hwloc    topology XML: structure caps, then hwloc's loader through the probe's entry point
// Built only by scripts/fuzz.sh (KTUNE_FUZZ=1 swift build -Xswiftc -sanitize=fuzzer,address).
import Configs
import Foundation
import Inference
import KernelContract
import Kernels
import Models
import Probe
import Simulator
import Tuner

enum Selected: String { case gguf, config, journal, profile, shape, params, hwloc }

let selected: Selected = {
    let name = ProcessInfo.processInfo.environment["KTUNE_FUZZ_TARGET"] ?? ""
    guard let s = Selected(rawValue: name) else {
        FileHandle.standardError.write(Data("KTUNE_FUZZ_TARGET must be one of gguf config journal profile shape params hwloc (got '\(name)')\n".utf8))
        exit(2)
    }
    return s
}()

/// A per-process scratch directory for harnesses whose entry point takes a path.
let scratch: URL = {
    let u = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("ktune-fuzz-\(getpid())")
    try? FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
    for d in ["gpus", "rules", "models", "calibration", "validation"] {
        try? FileManager.default.createDirectory(at: u.appendingPathComponent(d), withIntermediateDirectories: true)
    }
    return u
}()

func write(_ data: Data, _ name: String) -> String {
    let p = scratch.appendingPathComponent(name).path
    FileManager.default.createFile(atPath: p, contents: data)
    return p
}

func fuzzGGUF(_ bytes: [UInt8]) {
    guard let f = try? GGUFFile(bytes: bytes) else { return }
    if let config = try? ModelConfig(gguf: f) {
        _ = (config.resolvedHeadDim, config.routedExperts)
    }
    if let tok = try? Tokenizer(gguf: f) {
        let ids = tok.encode("Hello, world! <|im_start|>user 123")
        _ = tok.decode(ids.prefix(64))
        // The file's own tail as a prompt: special-token partition and BPE on text the fuzzer controls,
        // against a vocabulary it controls.
        let prompt = String(decoding: bytes.suffix(512), as: UTF8.self)
        let promptIDs = tok.encode(prompt)
        _ = tok.decode(promptIDs)
        _ = tok.encode(prompt, parseSpecial: false)
    }
    for t in f.tensors.prefix(8) { _ = t.name }
    // One forward-pass setup (weights, KV cache, RoPE tables) on files small enough to be tiny models.
    if bytes.count <= 1 << 16 {
        let path = write(Data(bytes), "model.gguf")
        if let engine = try? Engine(modelPath: path, plan: plan, pool: pool, contextLength: 8) {
            _ = engine.promptTokens("hi", chat: false)
        }
    }
}

let pool = WorkerPool(threads: 1)
let plan = KernelPlan(config: nil, machine: MachineTraits.fallback(cores: 1, maxSIMDLanes: 8), threads: 1)

func fuzzConfig(_ data: Data) {
    let p = write(data, "config.json")
    if case .loaded(let c) = TunedConfigFile.load(p, expectingFingerprint: nil) {
        for e in c.entries.prefix(16) { _ = c.params(kernel: e.kernel, shape: e.shape) }
    }
}

let journalHeader = JournalHeader(fingerprint: "fuzz", spaceHash: "0", createdAt: "2026-12-01T00:00:00Z", strategy: "random")

func fuzzJournal(_ data: Data) {
    // Replace the first line's header fields with the expected ones half the time so entries are reached.
    _ = try? JournalFile.read(data, path: "fuzz.jsonl", expected: journalHeader)
    if let nl = data.firstIndex(of: UInt8(ascii: "\n")) {
        let enc = JSONEncoder()
        if var head = try? enc.encode(journalHeader) {
            head.append(data[nl...])
            _ = try? JournalFile.read(head, path: "fuzz.jsonl", expected: journalHeader)
        }
    }
}

func fuzzProfile(_ data: Data) {
    guard let kind = data.first else { return }
    let body = data.dropFirst()
    let catalog = HardwareCatalog(profiles: scratch)
    switch kind % 4 {
    case 0:
        _ = write(Data(body), "gpus/fuzz.json")
        _ = try? catalog.gpu("fuzz")
    case 1:
        _ = write(Data(body), "rules/fuzz.json")
        _ = try? catalog.rule("fuzz")
    case 2:
        _ = write(Data(body), "models/fuzz.json")
        _ = try? ModelCatalog.load(id: "fuzz", in: scratch.appendingPathComponent("models"))
    default:
        _ = write(Data(body), "calibration/fuzz.json")
        _ = try? catalog.calibration("fuzz")
    }
}

func fuzzShape(_ text: String) {
    if let s = try? MatmulShape(key: text) { _ = (s.key, s.bucket, s.flops, s.bytes) }
    if let s = try? AttentionPrefillShape(key: text) { _ = (s.key, s.bucket, s.flops, s.bytes) }
    if let s = try? AttentionDecodeShape(key: text) { _ = (s.key, s.bucket, s.flops, s.bytes) }
    if let s = try? ExpertGatherShape(key: text) { _ = (s.key, s.bucket, s.flops, s.bytes) }
}

func fuzzParams(_ text: String) {
    guard let p = try? ParameterSet(parsing: text) else { return }
    _ = p.description
    _ = MatmulContract.violations(of: p)
    _ = AttentionPrefillContract.violations(of: p)
    _ = AttentionDecodeContract.violations(of: p)
    _ = ExpertGatherContract.violations(of: p)
}

func fuzzHwloc(_ data: Data) {
    _ = HwlocXMLLimits.structureProblem([UInt8](data))
    let p = write(data, "topology.xml")
    _ = try? TopologyFile.summary(path: p)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = [UInt8](UnsafeBufferPointer(start: data, count: size))
    switch selected {
    case .gguf: fuzzGGUF(bytes)
    case .config: fuzzConfig(Data(bytes))
    case .journal: fuzzJournal(Data(bytes))
    case .profile: fuzzProfile(Data(bytes))
    case .shape: fuzzShape(String(decoding: bytes, as: UTF8.self))
    case .params: fuzzParams(String(decoding: bytes, as: UTF8.self))
    case .hwloc: fuzzHwloc(Data(bytes))
    }
    return 0
}

// SwiftPM links an executable's entry point as `<module>_main` (main is redirected to it), which would
// replace libFuzzer's own main; so the entry point hands control to libFuzzer's driver explicitly.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("ktune_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var c = argc
    var v = argv
    return LLVMFuzzerRunDriver(&c, &v, { data, size in fuzzOne(data, size) })
}
