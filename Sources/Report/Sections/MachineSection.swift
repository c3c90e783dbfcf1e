/// The machine: what it is (CPU, topology, caches, NUMA) and what it can do (the roofline).
public enum MachineSection {
    public static let howTo = "ktune probe --json > out/probe.json"

    public static func build(_ input: Input<MachineData>) -> Section {
        var blocks: [Section.Block] = []
        switch input {
        case .absent:
            blocks.append(.howTo("No probe file. The machine section and every roofline need one:", command: howTo))
        case let .unusable(reason):
            blocks.append(.problem(reason))
            blocks.append(.howTo("To write a fresh one:", command: howTo))
        case let .loaded(m):
            var facts: [(String, String)] = [("CPU", m.cpuModel + (m.architecture.map { " (\($0))" } ?? ""))]
            let topo = [m.packages.map { "\($0) package\($0 == 1 ? "" : "s")" }, m.cores.map { "\($0) cores" },
                        m.hardwareThreads.map { "\($0) hardware threads" }].compactMap { $0 }
            facts.append(("Topology", topo.isEmpty ? "unknown" : topo.joined(separator: ", ")))
            facts.append(("Memory", NumberFormat.bytes(m.memoryBytes)))
            let numa = m.numa.map { "node \($0.index): \(NumberFormat.bytes($0.memoryBytes)), \($0.cpus) CPUs" }
            facts.append(("NUMA", numa.isEmpty ? "unknown" : "\(m.numa.count) node\(m.numa.count == 1 ? "" : "s") — " + numa.joined(separator: "; ")))
            facts.append(("ISA", m.isa.isEmpty ? "unknown" : m.isa.joined(separator: " ")))
            if let c = m.clockGHz { facts.append(("Clock (measured)", NumberFormat.fixed(c, 2) + " GHz")) }
            facts.append(("Fingerprint", m.fingerprint ?? "unknown"))
            blocks.append(.facts(facts))
            if !m.caches.isEmpty {
                blocks.append(.table(header: ["cache", "size", "instances", "cores sharing one"], rows: m.caches.map {
                    [$0.name, NumberFormat.bytes($0.sizeBytes), $0.count.map(String.init) ?? "unknown",
                     $0.coresSharing.map(String.init) ?? "unknown"]
                }))
            }
            if m.compute.isEmpty && m.bandwidth.isEmpty {
                blocks.append(.howTo("This probe has no measured peaks (probed with --no-bench or from a topology file), so there is no roofline:",
                                     command: "ktune probe --json > out/probe.json"))
            } else {
                let chart = Roofline.chart(machine: m, title: "Roofline of this machine (all cores)")
                blocks.append(.figure(.init(chart, caption: "Measured by `ktune probe`: FMA throughput per SIMD width and read bandwidth per memory level, each on every core (dashed: disturbed by other load). A kernel is bounded by the lowest line above its arithmetic intensity. " + m.provenance.caption)))
            }
            for w in m.warnings.prefix(6) { blocks.append(.paragraph("Probe warning: " + w)) }
        }
        return Section(id: "machine", title: "Machine", blocks: blocks)
    }
}
