/// Compares what hwloc and libnuma report with what /sys and /proc report, and words every disagreement as a
/// warning. It never picks a winner silently: the Machine keeps hwloc's figures and the warning names both.
enum CrossCheck {
    static func gib(_ bytes: Int64) -> String {
        let g = Double(bytes) / Double(1 << 30)
        return "\((g * 10).rounded() / 10) GiB"
    }

    /// Cache disagreements, per level and kind and per attribute.
    static func caches(hwloc: [CacheInfo], sysfs: [CacheInfo]) -> [String] {
        var out: [String] = []
        guard !sysfs.isEmpty else {
            return hwloc.isEmpty ? [] : ["/sys reports no caches, hwloc reports \(hwloc.count) kinds: not cross-checked"]
        }
        for s in sysfs {
            guard let h = hwloc.first(where: { $0.level == s.level && $0.kind == s.kind }) else {
                out.append("/sys reports \(s.name) but hwloc does not"); continue
            }
            func cmp(_ what: String, _ a: Int?, _ b: Int?) {
                if a != b {
                    out.append("\(s.name) \(what): hwloc \(a.map(String.init) ?? "unknown"), /sys \(b.map(String.init) ?? "unknown")")
                }
            }
            cmp("size", h.sizeBytes, s.sizeBytes)
            cmp("line size", h.lineBytes, s.lineBytes)
            cmp("ways", h.ways, s.ways)
            cmp("cores sharing one", h.coresSharing, s.coresSharing)
            cmp("instances", h.count, s.count)
        }
        for h in hwloc where !sysfs.contains(where: { $0.level == h.level && $0.kind == h.kind }) {
            out.append("hwloc reports \(h.name) but /sys does not")
        }
        return out
    }

    /// Core count and NUMA memory disagreements.
    static func coresAndMemory(hwlocCores: Int?, nodes: [NUMANodeInfo], sysfs: SysfsTopology) -> [String] {
        var out: [String] = []
        if let c = sysfs.cores, c != hwlocCores {
            out.append("core count: hwloc \(hwlocCores.map(String.init) ?? "unknown"), /sys \(c)")
        }
        // Node memory moves a little between reads in a VM (memory hot-plug, balloon): compare within 1%.
        func differ(_ a: Int64, _ b: Int64) -> Bool { Double(abs(a - b)) > 0.01 * Double(max(a, b)) }
        for node in nodes {
            if let h = node.memoryBytes, let l = node.libnumaMemoryBytes, differ(h, l) {
                out.append("NUMA node \(node.index) memory: hwloc \(gib(h)), libnuma \(gib(l))")
            }
            if let h = node.memoryBytes, let s = sysfs.nodeMemoryBytes[node.index], differ(h, s) {
                out.append("NUMA node \(node.index) memory: hwloc \(gib(h)), /sys node meminfo \(gib(s))")
            }
        }
        let nodeTotal = nodes.compactMap(\.memoryBytes).reduce(0, +)
        if let total = sysfs.memTotalBytes, nodeTotal > 0, Double(nodeTotal) < 0.9 * Double(total) {
            let libnuma = nodes.compactMap(\.libnumaMemoryBytes).reduce(0, +)
            out.append("NUMA nodes hold \(gib(nodeTotal)) in total (hwloc"
                       + (libnuma > 0 ? ", libnuma \(gib(libnuma))" : "")
                       + ") but /proc/meminfo MemTotal is \(gib(total)): per-node memory figures are not trustworthy here")
        }
        return out
    }
}
