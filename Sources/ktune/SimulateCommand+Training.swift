import ArgumentParser
import Foundation
import Models
import Simulator

/// `ktune simulate training`: GPU-hours, days and cost of a training run.
struct SimulateTraining: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "training",
        abstract: "GPU-hours, days and cost from FLOPs per token and a modeled or given efficiency.",
        discussion: """
        DeepSeek-V3 as reported (pre-training + two context-extension phases + post-training):
          ktune simulate training --model deepseek-v3 --gpu h800-sxm --gpus 2048 --pp 16 --ep 64 \\
            --tokens 14.8T --seq-len 4096 --extra-phase 32768:62.9B --extra-phase 131072:62.9B --extra-gpu-hours 5K --price 2
        """)

    @Option(help: "GPU profile id.") var gpu: String = "h800-sxm"
    @OptionGroup var hardware: HardwareOptions
    @OptionGroup var layoutOptions: LayoutOptions
    @Option(help: "Training tokens of the main phase (e.g. 14.8T).") var tokens: String
    @Option(name: .customLong("seq-len"), help: "Sequence length of the main phase.") var sequenceLength: Int = 4096
    @Option(name: .customLong("extra-phase"), help: "Extra phase SEQLEN:TOKENS, e.g. 32768:62.9B (repeatable).")
    var extraPhases: [String] = []
    @Option(name: .customLong("extra-gpu-hours"), help: "GPU-hours added as given (e.g. post-training 5K).")
    var extraGPUHours: String?
    @Option(help: "Given efficiency (fraction of each op's dtype peak); default: the GPU profile's.") var mfu: Double?
    @Option(help: "GEMM precision fp8 or bf16.") var dtype: String = "fp8"
    @Option(help: "Price per GPU-hour (USD).") var price: Double?
    @Flag(help: "Print JSON.") var json = false

    func run() throws { print(try output()) }

    /// What `run` prints: the estimate as text or JSON.
    func output() throws -> String {
        let g = try hardware.gpu(gpu)
        let m = try hardware.model(layoutOptions.model)
        let layout = try layoutOptions.validatedDeployment(model: m, gpu: g, defaultCount: nil)
        if let price { try checkPrice(price) }
        // Below 0.01% of peak the GPU-hours overflow to infinity: refused here, naming the flag.
        if let mfu, !(mfu >= 1e-4 && mfu <= 1) { throw ValidationError("--mfu: \(mfu) is not valid; expected a fraction from 0.0001 to 1") }
        guard sequenceLength >= 1 && sequenceLength <= TrainingSimulator.maxSequenceLength else {
            throw ValidationError("--seq-len: \(sequenceLength) is out of range; expected 1 to \(TrainingSimulator.maxSequenceLength)")
        }
        var phases = [TrainingPhase(name: "main", tokens: try parseCount(tokens, flag: "--tokens"), sequenceLength: sequenceLength)]
        for (i, spec) in extraPhases.enumerated() {
            let parts = spec.split(separator: ":").map(String.init)
            guard parts.count == 2, let seq = Int(parts[0]), seq > 0, seq <= TrainingSimulator.maxSequenceLength else {
                throw ValidationError("--extra-phase '\(spec)': expected SEQLEN:TOKENS, e.g. 32768:62.9B")
            }
            phases.append(TrainingPhase(name: "phase \(i + 2)", tokens: try parseCount(parts[1], flag: "--extra-phase"), sequenceLength: seq))
        }
        let precision: Precision
        switch dtype {
        case "fp8": precision = .fp8
        case "bf16": precision = .bf16
        default: throw ValidationError("--dtype must be fp8 or bf16, got '\(dtype)'")
        }
        let request = TrainingRequest(model: m, gpu: g, layout: layout, phases: phases, precision: precision,
                                      efficiency: mfu, extraGPUHours: try extraGPUHours.map { try parseCount($0, flag: "--extra-gpu-hours", minimum: 0) } ?? 0,
                                      pricePerGPUHour: price)
        let estimate = try wrap { () throws(SimulatorError) in try TrainingSimulator.estimate(request) }
        return json ? try jsonText(estimate) : render(estimate)
    }
}
