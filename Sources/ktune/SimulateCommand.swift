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
                      SimulateSearch.self])
}

/// Where the profiles are and which GPU, with `--set` changes.
struct HardwareOptions: ParsableArguments {
    @Option(help: "Profiles directory or repository root (default: ./profiles, $KTUNE_PROFILES, the source tree).")
    var profiles: String?

    @Option(name: .customLong("set"), help: "Change a GPU knob, e.g. nvlink=200 (repeatable; see `simulate rules --knobs`).")
    var settings: [String] = []

    var catalog: HardwareCatalog { HardwareCatalog(root: profiles) }

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

    /// The deployment: --gpus or --nodes (not both); without either, `defaultCount` GPUs when given.
    func deployment(gpu: GPUProfile, defaultCount: Int?) throws -> Deployment {
        if gpus != nil && nodes != nil { throw ValidationError("give --gpus or --nodes, not both") }
        guard let count = gpus ?? nodes.map({ $0 * gpu.gpusPerNode }) ?? defaultCount else {
            throw ValidationError("give --gpus or --nodes")
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

    /// Without --gpus or --nodes: the smallest count the parallelism flags describe.
    private var minimalCount: Int {
        let l = layoutOptions
        return max(l.tp * l.pp * (l.dp ?? 1), l.ep)
    }

    func layout(gpu: GPUProfile) throws -> Deployment {
        try layoutOptions.deployment(gpu: gpu, defaultCount: minimalCount)
    }

    func request(model: ModelConfig, gpu: GPUProfile) throws -> InferenceRequest {
        let layout = try layoutOptions.validatedDeployment(model: model, gpu: gpu, defaultCount: minimalCount)
        let p: InferenceRequest.Phase
        switch phase {
        case "prefill": p = .prefill(tokensPerGPU: tokensPerGPU, inputLength: inputLength, cachedLength: cachedLength)
        case "decode": p = .decode(batchPerGPU: batch, contextLength: contextLength)
        default: throw ValidationError("--phase must be prefill or decode, got '\(phase)'")
        }
        return InferenceRequest(model: model, gpu: gpu, layout: layout, phase: p, precision: try precision,
                                overlap: overlap, pricePerGPUHour: price,
                                totalTokens: try tokens.map { try parseCount($0, flag: "--tokens") })
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

/// Parses counts such as "14.8T", "62.9B", "5K", "2e9".
func parseCount(_ text: String, flag: String) throws -> Double {
    let units: [Character: Double] = ["K": 1e3, "M": 1e6, "B": 1e9, "G": 1e9, "T": 1e12]
    var body = text.trimmingCharacters(in: .whitespaces)
    var scale = 1.0
    if let last = body.last?.uppercased().first, let u = units[last] { scale = u; body.removeLast() }
    guard let v = Double(body), v.isFinite, v >= 0 else {
        throw ValidationError("\(flag): '\(text)' is not a count; expected e.g. 14.8T, 62.9B, 5K")
    }
    return v * scale
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
