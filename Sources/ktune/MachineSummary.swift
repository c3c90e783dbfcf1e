import Probe
import Report

/// The human-readable view of a `Machine`: an lstopo-like tree (per instance group where a cache level's
/// instances differ, per core kind on a hybrid machine), then tables: caches, core kinds, memory kinds,
/// measured peaks, warnings.
struct MachineSummary {
    let machine: Machine
    init(_ machine: Machine) { self.machine = machine }

    static func bytes(_ b: Int64?) -> String {
        guard let b else { return "unknown" }
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(b), i = 0
        while v >= 1024 && i < units.count - 1 { v /= 1024; i += 1 }
        let r = v == v.rounded() ? "\(Int(v))" : "\((v * 100).rounded() / 100)"
        return "\(r) \(units[i])"
    }

    static func bytes(_ b: Int?) -> String { bytes(b.map(Int64.init)) }

    static func opt(_ x: Int?) -> String { x.map(String.init) ?? "unknown" }

    static func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }

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

    /// The kind names of a cache group on a hybrid machine (" IntelCore"), empty when it serves every kind.
    func kindLabel(_ kinds: [Int]) -> String {
        guard machine.isHybrid, !kinds.isEmpty, kinds.count < machine.coreKinds.count else { return "" }
        return " " + kinds.compactMap { i in machine.coreKinds.first { $0.index == i }?.name }.joined(separator: "+")
    }

    static func sharing(_ cores: Int?) -> String { cores.map { plural($0, "core") + " each" } ?? "sharing unknown" }

    /// One tree line for a cache level: "L2 (1 MiB) ×8 — 1 core each", or per group when they differ:
    /// "L2 (1.25 MiB ×6, 1 core each, IntelCore; 2 MiB ×2, 4 cores each, IntelAtom)".
    func treeLine(_ here: [CacheInfo]) -> String {
        let sharings = Set(here.flatMap { $0.groups.map(\.coresSharing) })
        let oneSharing = sharings.count == 1
        let text = here.map { c -> String in
            if c.isUniform { return "\(c.name) (\(Self.bytes(c.sizeBytes))) ×\(c.count)" }
            // Name the associativity too when the sizes alone do not tell the groups apart.
            let showWays = Set(c.groups.map(\.sizeBytes)).count < c.groups.count
            return "\(c.name) (" + c.groups.map { g in
                "\(Self.bytes(g.sizeBytes))" + (showWays ? " " + (g.ways.map { $0 == -1 ? "full" : "\($0)-way" } ?? "ways unknown") : "")
                    + " ×\(g.count)" + (oneSharing ? "" : ", " + Self.sharing(g.coresSharing))
                    + kindLabel(g.coreKinds)
            }.joined(separator: "; ") + ")"
        }
        // Cores no instance of the level covers (Arrow Lake's low-power E-cores have no L3).
        var uncovered = ""
        if let cores = machine.cores, let c = here.first, c.groups.allSatisfy({ $0.coresSharing != nil }) {
            let covered = c.groups.reduce(0) { $0 + $1.count * ($1.coresSharing ?? 0) }
            if covered < cores { uncovered = " (\(cores - covered) of \(cores) cores have no \(c.name))" }
        }
        return text.joined(separator: " + ") + (oneSharing ? " — " + Self.sharing(sharings.first ?? nil) : "") + uncovered
    }

    /// "Core ×6 IntelCore (efficiency 1) + PU ×2 each (SMT); Core ×8 IntelAtom (efficiency 0) + PU ×1 each".
    func coreLine() -> String {
        let m = machine
        func pus(_ cores: Int?, _ threads: Int) -> String {
            guard let cores, cores > 0 else { return "PU ×\(threads)" }
            if threads % cores != 0 { return "PU ×\(threads) in all (uneven: not every core has the same threads)" }
            let t = threads / cores
            return "PU ×\(t) each" + (t > 1 ? " (SMT)" : "")
        }
        guard let cores = m.cores else {
            return "Cores unknown (the topology has no Core objects) + PU ×\(m.hardwareThreads)"
        }
        if !m.isHybrid { return "Core ×\(cores) + " + pus(cores, m.hardwareThreads) }
        return m.coreKindsFastestFirst.map { k in
            "Core ×\(Self.opt(k.cores)) \(k.name)" + (k.efficiency.map { " (efficiency \($0))" } ?? "")
                + " + " + pus(k.cores, k.hardwareThreads)
        }.joined(separator: "; ")
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
        let kindCounts = m.isHybrid
            ? " (" + m.coreKindsFastestFirst.map { "\(Self.opt($0.cores)) \($0.name)" }.joined(separator: " + ") + ")" : ""
        out.append("  Package ×\(m.packages): " + (m.cores.map { Self.plural($0, "core") + kindCounts } ?? "cores unknown")
                   + ", \(Self.plural(m.hardwareThreads, "hardware thread"))")
        for n in m.numaNodes {
            let lib = n.libnumaMemoryBytes.map { ", libnuma \(Self.bytes($0))" } ?? ""
            let kind = n.kind.map { " \($0)" } ?? ""
            out.append("    NUMANode P#\(n.index)\(kind) (\(Self.bytes(n.memoryBytes))\(lib)) cpus \(Self.ranges(n.cpus))")
        }
        var indent = "    "
        for level in Set(m.caches.map(\.level)).sorted(by: >) {
            out.append(indent + treeLine(m.caches.filter { $0.level == level }))
            indent += "  "
        }
        if m.caches.isEmpty { out.append(indent + "Caches: unknown") }
        out.append(indent + coreLine())
        out.append("")

        var caches = TextTable(header: ["cache", "size", "line B", "ways", "cores/inst", "threads/inst", "instances"]
                               + (m.isHybrid ? ["kinds"] : []))
        for k in m.caches {
            for g in k.groups {
                caches.append([k.name, Self.bytes(g.sizeBytes), Self.opt(g.lineBytes),
                               g.ways == -1 ? "full" : Self.opt(g.ways), Self.opt(g.coresSharing),
                               Self.opt(g.threadsSharing), "\(g.count)"]
                              + (m.isHybrid ? [kindLabel(g.coreKinds).trimmingPrefixSpace.isEmpty ? "all"
                                                : kindLabel(g.coreKinds).trimmingPrefixSpace] : []))
            }
        }
        if !m.caches.isEmpty { out.append(caches.render()); out.append("") }

        if !m.coreKinds.isEmpty { out += kindsTable(); out.append("") }
        if m.numaNodes.contains(where: { $0.kind != nil || !$0.attributes.isEmpty }) || !m.memoryDevices.isEmpty {
            out += memoryTable(); out.append("")
        }
        if let p = m.measured { out += measuredTables(p) }
        if !m.warnings.isEmpty {
            out.append("Warnings:")
            out += m.warnings.map { "  - \($0)" }
        }
        return out.joined(separator: "\n")
    }

    /// Core kinds, fastest first, with their cores, threads and caches.
    func kindsTable() -> [String] {
        let m = machine
        let names = m.caches.map(\.name)
        var t = TextTable(header: ["core kind", "efficiency", "cores", "threads", "cpus"] + names + ["infos"])
        for k in m.coreKindsFastestFirst {
            let caches = names.map { name -> String in
                guard let c = k.caches.first(where: { $0.name == name }) else { return "none" }
                return c.groups.map { g in
                    Self.bytes(g.sizeBytes) + ((g.coresSharing ?? 1) > 1 ? "/\(g.coresSharing ?? 1)c" : "")
                }.joined(separator: ", ") + (k.coresWithoutCache[name].map { " (\($0) cores without)" } ?? "")
            }
            let infos = k.infos.filter { $0.key != "CoreType" }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            t.append([k.name, Self.opt(k.efficiency), Self.opt(k.cores), "\(k.hardwareThreads)", Self.ranges(k.cpus)]
                     + caches + [infos.isEmpty ? "-" : infos.joined(separator: " ")])
        }
        return ["Core kinds (hwloc cpukinds; efficiency 0 = most energy-efficient; /Nc = one instance per N cores):",
                t.render()]
    }

    /// Memory kinds: per NUMA node its kind, tier, size and hwloc's best bandwidth and latency; memory devices.
    func memoryTable() -> [String] {
        var t = TextTable(header: ["NUMA node", "kind", "tier", "memory", "bandwidth MiB/s", "latency ns", "flags"])
        for n in machine.numaNodes {
            let flags = [n.highBandwidth ? "HBM" : nil, n.cxl ? "CXL" : nil].compactMap { $0 }
            t.append(["P#\(n.index)", n.kind ?? "-", n.tier.map(String.init) ?? "-", Self.bytes(n.memoryBytes),
                      n.bandwidthMiBps.map(String.init) ?? "-", n.latencyNs.map(String.init) ?? "-",
                      flags.isEmpty ? "-" : flags.joined(separator: ",")])
        }
        var out = ["Memory kinds (hwloc subtypes and memory attributes; best value over initiators):", t.render()]
        for d in machine.memoryDevices {
            let sizes = [d.ramBytes.map { "RAM \(Self.bytes($0))" }, d.persistentBytes.map { "PMEM \(Self.bytes($0))" }]
                .compactMap { $0 }.joined(separator: ", ")
            out.append("  memory device \(d.name): \(d.subtype ?? "unknown type")" + (d.cxl ? " (CXL)" : "")
                       + (sizes.isEmpty ? "" : ", " + sizes))
        }
        return out
    }

    func measuredTables(_ p: MeasuredPeaks) -> [String] {
        var out: [String] = []
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
        if !p.perKind.isEmpty {
            var k = TextTable(header: ["per core kind (1 thread)", "core", "clock GHz"]
                              + Array(Set(p.perKind.flatMap { $0.fma.map(\.lanes) })).sorted().map { "FMA \($0) lanes GFLOP/s" })
            let lanes = Array(Set(p.perKind.flatMap { $0.fma.map(\.lanes) })).sorted()
            for f in p.perKind {
                k.append([f.kind, "L#\(f.core)", f.clockGHz.formatted(digits: 2)]
                         + lanes.map { l in f.fma.first { $0.lanes == l }.map { $0.gflops.formatted() + ($0.disturbed ? " !" : "") } ?? "-" })
            }
            out.append(k.render())
            out.append("")
        }
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
        return out
    }
}

private extension String {
    var trimmingPrefixSpace: String { hasPrefix(" ") ? String(dropFirst()) : self }
}
