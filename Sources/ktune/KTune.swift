import ArgumentParser

/// ktune: learn the machine, tune the kernels an LLM needs to it, prove the gain end to end, and price
/// the same model on GPUs.
@main
struct KTune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ktune",
        abstract: "Hardware-aware kernel autotuner, LLM inference core and GPU cost simulator.",
        version: "0.1.0",
        subcommands: [
            // One line per subcommand; each lives in its own file.
            ProbeCommand.self,
            SimulateCommand.self,
            BenchCommand.self,
            TuneCommand.self,
            TokenizeCommand.self,
            GenerateCommand.self,
            ReportCommand.self,
        ]
    )
}
