import ArgumentParser
import Foundation
import Models
import Report
import Simulator

/// `ktune simulate`: price a model on GPUs (inference, training), compare GPUs, check export rules and
/// search deployments or hypothetical chips.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Price a model on GPUs: inference, training, GPU comparison, export rules, search.",
        subcommands: [SimulateInference.self, SimulateTraining.self, SimulateCompare.self, SimulateRules.self,
                      SimulateSearch.self, SimulateValidate.self])
}

/// Where the profiles are and which GPU, with `--set` changes.
struct HardwareOptions: ParsableArguments {
    @Option(help: "Profiles directory or repository root (default: ./profiles, $KTUNE_PROFILES, the source tree).")
    var profiles: String?

    @Option(name: .customLong("set"), help: "Change a GPU knob, e.g. nvlink=200 (repeatable; see `simulate rules --knobs`).")
    var settings: [String] = []

    @Option(help: "Calibration id (profiles/calibration) for the kernel efficiency laws.")
    var calibration: String = HardwareCatalog.defaultCalibration

    var catalog: HardwareCatalog { HardwareCatalog(root: profiles) }

    func loadCalibration() throws -> Calibration {
        try wrap { () throws(ProfileError) in try catalog.calibration(calibration) }
    }

    func gpu(_ id: String) throws -> GPUProfile {
        let base = try wrap { () throws(ProfileError) in try catalog.gpu(id) }
        return try wrap { () throws(SimulatorError) in try base.applying(GPUProfile.parseSettings(settings)) }
    }

    func model(_ id: String) throws -> ModelConfig {
        try wrap { () throws(ProfileError) in try catalog.model(id) }
    }
}

/// The model and deployment-layout flags shared by every simulate subcommand that prices a model.
struct LayoutOptions: ParsableArguments {
    @Option(help: "Model profile id (profiles/models).") var model: String = "deepseek-v3"
    @Option(help: "Total GPUs.") var gpus: Int?
    @Option(help: "Nodes (× the GPU's gpusPerNode).") var nodes: Int?
    @Option(help: "Tensor parallelism.") var tp: Int = 1
    @Option(help: "Expert parallelism.") var ep: Int = 1
    @Option(help: "Pipeline parallelism.") var pp: Int = 1
    @Option(help: "Data parallelism (checked: must equal gpus / (tp × pp)).") var dp: Int?

    /// Most GPUs a deployment may have (beyond it the request is absurd).
    static let maxGPUs = 1 << 20

    /// The deployment: --gpus or --nodes (not both); without either, `defaultCount` GPUs when given.
    /// Every count is range-checked before it is multiplied.
    func deployment(gpu: GPUProfile, defaultCount: Int?) throws -> Deployment {
        if gpus != nil && nodes != nil { throw ValidationError("give --gpus or --nodes, not both") }
        let limit = LayoutOptions.maxGPUs
        for (value, flag) in [(gpus, "--gpus"), (Optional(tp), "--tp"), (Optional(ep), "--ep"), (Optional(pp), "--pp"), (dp, "--dp")] {
            if let value, !(value >= 1 && value <= limit) {
                throw ValidationError("\(flag): \(value) is out of range; expected 1 to \(limit)")
            }
        }
        if let nodes, !(nodes >= 1 && nodes <= limit / gpu.gpusPerNode) {
            throw ValidationError("--nodes: \(nodes) is out of range; expected 1 to \(limit / gpu.gpusPerNode) (\(gpu.gpusPerNode) GPUs each)")
        }
        guard let count = gpus ?? nodes.map({ $0 * gpu.gpusPerNode }) ?? defaultCount else {
            throw ValidationError("give --gpus or --nodes")
        }
        guard count >= 1 && count <= limit else {
            throw ValidationError("the layout needs \(count) GPUs; expected 1 to \(limit)")
        }
        return Deployment(gpus: count, tp: tp, ep: ep, pp: pp)
    }

    /// The deployment, with --dp checked against it for `model`.
    func validatedDeployment(model: ModelConfig, gpu: GPUProfile, defaultCount: Int?) throws -> Deployment {
        let layout = try deployment(gpu: gpu, defaultCount: defaultCount)
        if let dp { try wrap { () throws(SimulatorError) in try layout.validate(model: model, dp: dp) } }
        return layout
    }
}

/// The workload flags shared by inference, compare and search.
struct WorkloadOptions: ParsableArguments {
    @OptionGroup var layoutOptions: LayoutOptions
    @Option(help: "prefill or decode.") var phase: String = "decode"
    @Option(name: .customLong("tokens-per-gpu"), help: "Prefill: new prompt tokens per GPU per step.") var tokensPerGPU: Int = 16384
    @Option(help: "Decode: sequences per GPU.") var batch: Int = 128
    @Option(name: .customLong("input-len"), help: "Prefill: prompt length.") var inputLength: Int = 4096
    @Option(name: .customLong("cached-len"), help: "Prefill: prefix tokens already cached.") var cachedLength: Int = 0
    @Option(name: .customLong("context-len"), help: "Decode: cached context length.") var contextLength: Int = 4096
    @Option(help: "GEMM/weight precision: fp8 or bf16.") var dtype: String = "fp8"
    @Flag(help: "Overlap communication with computation (two micro-batches).") var overlap = false
    @Option(help: "Price per GPU-hour (USD).") var price: Double?
    @Option(help: "Tokens to serve, for GPU-hours and cost (e.g. 1T, 500B).") var tokens: String?
    @Option(name: .customLong("redundant-experts"), help: "Replicated experts in the EP group (EPLB; default: the calibration's, 0).")
    var redundantExperts: Int?
    @Option(name: .customLong("expert-skew"), help: "Busiest expert GPU / mean load with a static placement (default: the calibration's).")
    var expertSkew: Double?
    @Option(name: .customLong("memory-fraction"), help: "Fraction of HBM usable for weights + KV cache.")
    var memoryFraction: Double = 0.9
    @Flag(help: "Print JSON.") var json = false

    var precision: Precision {
        get throws {
            switch dtype {
            case "fp8": return .fp8
            case "bf16", "fp16": return .bf16
            default: throw ValidationError("--dtype must be fp8 or bf16, got '\(dtype)'")
            }
        }
    }

    var model: String { layoutOptions.model }

    /// Without --gpus or --nodes: the smallest count the parallelism flags describe (overflow-checked;
    /// an overflowing product is passed on as out of range).
    private var minimalCount: Int {
        let l = layoutOptions
        let (a, o1) = l.tp.multipliedReportingOverflow(by: l.pp)
        let (b, o2) = a.multipliedReportingOverflow(by: l.dp ?? 1)
        return o1 || o2 ? Int.max : max(b, l.ep)
    }

    func layout(gpu: GPUProfile) throws -> Deployment {
        try layoutOptions.deployment(gpu: gpu, defaultCount: minimalCount)
    }

    func request(model: ModelConfig, gpu: GPUProfile, calibration: Calibration) throws -> InferenceRequest {
        let layout = try layoutOptions.validatedDeployment(model: model, gpu: gpu, defaultCount: minimalCount)
        if let price { try checkPrice(price) }
        guard memoryFraction > 0 && memoryFraction <= 1 else {
            throw ValidationError("--memory-fraction: \(memoryFraction) is not valid; expected a fraction in (0, 1]")
        }
        if let s = expertSkew, !(s >= 1 && s <= 100) {
            throw ValidationError("--expert-skew: \(s) is not valid; expected a factor from 1 (balanced) to 100")
        }
        let p: InferenceRequest.Phase
        switch phase {
        case "prefill": p = .prefill(tokensPerGPU: tokensPerGPU, inputLength: inputLength, cachedLength: cachedLength)
        case "decode": p = .decode(batchPerGPU: batch, contextLength: contextLength)
        default: throw ValidationError("--phase must be prefill or decode, got '\(phase)'")
        }
        return InferenceRequest(model: model, gpu: gpu, calibration: calibration, layout: layout, phase: p,
                                precision: try precision, overlap: overlap, pricePerGPUHour: price,
                                totalTokens: try tokens.map { try parseCount($0, flag: "--tokens") },
                                usableMemoryFraction: memoryFraction, redundantExperts: redundantExperts,
                                expertSkew: expertSkew)
    }
}

/// A simulator or profile error as the CLI prints it ("Error: <message>", exit status 1, no usage text).
struct SimulateError: Error, CustomStringConvertible {
    var description: String
}

/// Runs a typed-throwing body and turns its error into a CLI error with the message.
func wrap<T, E: Error & CustomStringConvertible>(_ body: () throws(E) -> T) throws -> T {
    do { return try body() } catch { throw SimulateError(description: error.description) }
}

/// Parses counts such as "14.8T", "62.9B", "5K", "2e9": finite, positive, at least `minimum` (a token
/// count below one is a typo that would print 0 GPU-hours) and at most 10¹⁸ (a billion billion tokens;
/// "1e300T" is an error, not infinity).
func parseCount(_ text: String, flag: String, minimum: Double = 1) throws -> Double {
    let units: [Character: Double] = ["K": 1e3, "M": 1e6, "B": 1e9, "G": 1e9, "T": 1e12]
    var body = text.trimmingCharacters(in: .whitespaces)
    var scale = 1.0
    if let last = body.last?.uppercased().first, let u = units[last] { scale = u; body.removeLast() }
    guard let v = Double(body), v.isFinite, v > 0 else {
        throw ValidationError("\(flag): '\(text)' is not a positive count; expected e.g. 14.8T, 62.9B, 5K")
    }
    let value = v * scale
    guard value.isFinite && value <= 1e18 else {
        throw ValidationError("\(flag): '\(text)' is absurdly large; expected at most 1e18")
    }
    guard value >= minimum else {
        let m = String(format: "%g", minimum)
        throw ValidationError("\(flag): '\(text)' is below \(m); expected at least \(m)")
    }
    return value
}

/// A price per GPU-hour: finite, non-negative, at most $1M ("nan" is an error, not a NaN cost).
func checkPrice(_ price: Double) throws {
    guard price.isFinite && price >= 0 && price <= 1e6 else {
        throw ValidationError("--price: \(price) is not valid; expected a finite price per GPU-hour from 0 to 1000000 USD")
    }
}

func jsonText<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

func printJSON<T: Encodable>(_ value: T) throws { print(try jsonText(value)) }

func fmt(_ v: Double?, _ digits: Int = 1) -> String {
    guard let v else { return "-" }
    return String(format: "%.\(digits)f", v)
}
