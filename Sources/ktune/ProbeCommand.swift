import ArgumentParser
import Foundation
import Measure
import Probe
import Report

/// `ktune probe`: what this machine (or a saved topology) is: CPU, ISA, topology, caches, NUMA, measured peaks.
struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Describe the machine: CPU, ISA, cores, caches, NUMA, and measured FMA peak and bandwidth.",
        discussion: """
            Topology comes from hwloc (instruction caches kept), NUMA from hwloc and libnuma, ISA from \
            /proc/cpuinfo; all are cross-checked with /sys and every disagreement is printed as a warning. \
            The microbenchmarks (about 15 s on 2 cores) pin one thread per core through hwloc.
            """)

    @Flag(name: .long, help: "Print the Machine as pretty JSON instead of the summary.")
    var json = false

    @Flag(name: .customLong("no-bench"), help: "Skip the microbenchmarks (FMA peak, bandwidth, clock).")
    var noBench = false

    @Option(name: .long, help: ArgumentHelp("Probe a saved hwloc XML topology (lstopo --of xml) instead of this machine; no benchmarks.",
                                           valueName: "file.xml"))
    var topology: String?

    @Option(name: .customLong("seconds-per-figure"), help: "Time budget per measured figure.")
    var secondsPerFigure: Double = 0.8

    @Option(name: .customLong("max-threads"), help: "Largest thread count measured (default: every physical core).")
    var maxThreads: Int?

    func validate() throws {
        guard secondsPerFigure > 0, secondsPerFigure.isFinite else {
            throw ValidationError("--seconds-per-figure must be a positive number of seconds, got \(secondsPerFigure)")
        }
        if let maxThreads, maxThreads < 1 { throw ValidationError("--max-threads must be at least 1, got \(maxThreads)") }
    }

    func run() throws {
        let machine: Machine
        if let topology {
            machine = try Prober.probe(topologyXML: topology)
        } else {
            if !noBench && !json {
                FileHandle.standardError.write(Data("Measuring (about 15 s; --no-bench skips)...\n".utf8))
            }
            machine = try Prober.probe(options: ProbeOptions(benchmarks: !noBench, secondsPerFigure: secondsPerFigure,
                                                             maxThreads: maxThreads))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(machine), as: UTF8.self))
        } else {
            print(MachineSummary(machine).render())
        }
    }
}
