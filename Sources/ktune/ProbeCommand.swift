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

/// The human-readable view of a `Machine`: an lstopo-like tree, then tables.
struct MachineSummary {
    let machine: Machine
    init(_ machine: Machine) { self.machine = machine }

    static func bytes(_ b: Int64?) -> String {
        guard let b else { return "unknown" }
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(b), i = 0
        while v >= 1024 && i < units.count - 1 { v /= 1024; i += 1 }
        let r = v == v.rounded() ? "\(Int(v))" : "\((v * 10).rounded() / 10)"
        return "\(r) \(units[i])"
    }

    static func opt(_ x: Int?) -> String { x.map(String.init) ?? "unknown" }

    /// [0, 1, 2, 3, 8] → "0-3,8".
    static func ranges(_ xs: [Int]) -> String {
        var parts: [String] = []
        var i = 0
        let s = xs.sorted()
        while i < s.count {
            var j = i
            while j + 1 < s.count && s[j + 1] == s[j] + 1 { j += 1 }
            parts.append(j > i ? "\(s[i])-\(s[j])" : "\(s[i])")
            i = j + 1
        }
        return parts.isEmpty ? "none" : parts.joined(separator: ",")
    }

    func render() -> String {
        let m = machine
        var out: [String] = []
        let c = m.cpu
        let ids = [c.family.map { "family \($0)" }, c.modelNumber.map { "model \($0)" },
                   c.stepping.map { "stepping \($0)" }].compactMap { $0 }.joined(separator: " ")
        out.append("CPU:          \(c.model ?? "unknown model") (\(c.vendor ?? "unknown vendor")\(ids.isEmpty ? "" : ", " + ids)), \(c.architecture ?? "unknown architecture")")
        out.append("Source:       \(m.source)")
        out.append("ISA:          " + (m.isaSource == "unknown" ? "unknown" : m.isa.joined(separator: " ") + "  (from \(m.isaSource))"))
        out.append("Fingerprint:  \(m.fingerprint)  [\(m.fingerprintSource)]")
        out.append("")
        // lstopo-like tree: machine, packages, NUMA nodes, then cache levels from the outermost in.
        out.append("Machine (\(Self.bytes(m.memoryBytes)) total)")
        out.append("  Package ×\(m.packages): \(m.cores) cores, \(m.hardwareThreads) hardware threads")
        for n in m.numaNodes {
            let lib = n.libnumaMemoryBytes.map { ", libnuma \(Self.bytes($0))" } ?? ""
            out.append("    NUMANode P#\(n.index) (\(Self.bytes(n.memoryBytes))\(lib)) cpus \(Self.ranges(n.cpus))")
        }
        var indent = "    "
        for level in Set(m.caches.map(\.level)).sorted(by: >) {
            let here = m.caches.filter { $0.level == level }
            let text = here.map { "\($0.name) (\(Self.bytes($0.sizeBytes.map(Int64.init)))) ×\($0.count)" }
            out.append(indent + text.joined(separator: " + ") + " — \(Self.opt(here[0].coresSharing)) core(s) each")
            indent += "  "
        }
        if m.caches.isEmpty { out.append(indent + "Caches: unknown") }
        let threadsPerCore = m.cores > 0 ? m.hardwareThreads / m.cores : 0
        out.append(indent + "Core ×\(m.cores)" + (threadsPerCore > 1 ? " + PU ×\(threadsPerCore) each (SMT)" : " + PU ×1 each"))
        out.append("")

        var caches = TextTable(header: ["cache", "size", "line B", "ways", "cores/inst", "threads/inst", "instances"])
        for k in m.caches {
            caches.append([k.name, Self.bytes(k.sizeBytes.map(Int64.init)), Self.opt(k.lineBytes),
                           k.ways == -1 ? "full" : Self.opt(k.ways), Self.opt(k.coresSharing), Self.opt(k.threadsSharing),
                           "\(k.count)"])
        }
        if !m.caches.isEmpty { out.append(caches.render()); out.append("") }

        if let p = m.measured {
            out.append("Measured (median (min–max); \(p.pinned ? "threads pinned one per core" : "threads NOT pinned"), \((p.seconds * 10).rounded() / 10) s; "
                       + "\(p.samplesDisturbed) of \(p.samplesTaken) samples set aside: another process shared the core):")
            out.append("Clock ≈ \(p.clockGHz.formatted(digits: 2)) GHz (dependent FMA chain, assuming \(p.assumedFMALatency)-cycle latency)"
                       + (p.flopsPerCycle.map { "; \(Int($0.rounded())) FLOP/cycle/core at 1 thread" } ?? ""))
            let threads = Array(Set(p.fma.map(\.threads))).sorted()
            var fma = TextTable(header: ["FMA GFLOP/s"] + threads.map { "\($0) thread" + ($0 == 1 ? "" : "s") })
            for lanes in Array(Set(p.fma.map(\.lanes))).sorted() {
                fma.append(["\(lanes) lanes"] + threads.map { t in
                    p.fma.first { $0.lanes == lanes && $0.threads == t }.map { $0.gflops.formatted() + ($0.disturbed ? " !" : "") } ?? "-"
                })
            }
            out.append(fma.render())
            out.append("")
            let bwThreads = Array(Set(p.bandwidth.map(\.threads))).sorted()
            var bw = TextTable(header: ["read GB/s"] + bwThreads.map { "\($0) thread" + ($0 == 1 ? "" : "s") })
            for level in ["L1", "L2", "L3", "DRAM"] {
                let sizes = bwThreads.compactMap { t in p.bandwidth.first { $0.level == level && $0.threads == t } }
                    .map { Self.bytes(Int64($0.bytesPerThread)) }
                bw.append(["\(level) (\(sizes.joined(separator: "/"))/thread)"]
                          + bwThreads.map { t in
                              p.bandwidth.first { $0.level == level && $0.threads == t }
                                  .map { $0.gbPerSecond.formatted() + ($0.disturbed ? " !" : "") } ?? "-"
                          })
            }
            out.append(bw.render())
            if p.fma.contains(where: \.disturbed) || p.bandwidth.contains(where: \.disturbed) {
                out.append("! fewer than 3 undisturbed samples even after a retry: this figure reflects other processes' load; rerun when the machine is idle")
            }
            out.append("")
        }
        if !m.warnings.isEmpty {
            out.append("Warnings:")
            out += m.warnings.map { "  - \($0)" }
        }
        return out.joined(separator: "\n")
    }
}
