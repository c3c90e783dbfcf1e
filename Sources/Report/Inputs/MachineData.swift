/// What the report shows of `ktune probe --json`: identity, topology, caches, NUMA, measured peaks.
public struct MachineData: Sendable, Equatable {
    public struct Cache: Sendable, Equatable {
        public var name: String
        public var sizeBytes: Double?
        public var count: Int?
        public var coresSharing: Int?
    }
    public struct NUMANode: Sendable, Equatable {
        public var index: Int
        public var memoryBytes: Double?
        public var cpus: Int
    }
    /// A measured figure: median with min–max, at a SIMD width (lanes) or memory level, on some threads.
    public struct Figure: Sendable, Equatable {
        public var name: String
        public var threads: Int
        public var median: Double
        public var min: Double
        public var max: Double
        public var disturbed: Bool
    }

    public var provenance: Provenance
    public var cpuModel: String
    public var architecture: String?
    public var isa: [String]
    public var packages: Int?
    public var cores: Int?
    public var hardwareThreads: Int?
    public var memoryBytes: Double?
    public var caches: [Cache]
    public var numa: [NUMANode]
    public var fingerprint: String?
    public var warnings: [String]
    /// FMA GFLOP/s per SIMD width ("16 lanes"), `name` is the width in Float lanes.
    public var compute: [Figure]
    /// Read GB/s per memory level ("L1", "L2", "L3", "DRAM").
    public var bandwidth: [Figure]
    public var clockGHz: Double?

    /// The all-cores figure per name (the largest thread count measured), in input order.
    static func peaks(_ figures: [Figure]) -> [Figure] {
        var order: [String] = []
        var best: [String: Figure] = [:]
        for f in figures {
            if best[f.name] == nil { order.append(f.name) }
            if let b = best[f.name], b.threads >= f.threads { continue }
            best[f.name] = f
        }
        return order.compactMap { best[$0] }
    }
    public var computePeaks: [Figure] { Self.peaks(compute) }
    public var bandwidthPeaks: [Figure] { Self.peaks(bandwidth) }

    /// Reads a probe file; fails only when it is not JSON or not a probe at all.
    public static func read(_ path: String) throws(InputError) -> MachineData {
        let (j, p) = try InputFile.json(path)
        guard j.object != nil else { throw InputError("\(path): expected a JSON object from `ktune probe --json`") }
        guard j["cores"] != nil || j["cpu"] != nil || j["caches"] != nil else {
            throw InputError("\(path): no 'cpu', 'cores' or 'caches' field; not the output of `ktune probe --json`")
        }
        func figure(_ v: JSONValue, name: String?, value key: String) -> Figure? {
            guard let name, let s = v[key], let median = s["median"]?.double else { return nil }
            let clean = v["cleanSamples"]?.int
            return Figure(name: name, threads: v["threads"]?.int ?? 1, median: median,
                          min: s["min"]?.double ?? median, max: s["max"]?.double ?? median,
                          disturbed: clean.map { $0 < 3 } ?? false)
        }
        let m = j["measured"]
        let compute = (m?["fma"]?.array ?? []).compactMap { figure($0, name: $0["lanes"]?.int.map(String.init), value: "gflops") }
        let bandwidth = (m?["bandwidth"]?.array ?? []).compactMap { figure($0, name: $0["level"]?.string, value: "gbPerSecond") }
        let caches = (j["caches"]?.array ?? []).compactMap { c -> Cache? in
            guard let level = c["level"]?.int else { return nil }
            let kind = c["kind"]?.string
            let name = kind == "data" ? "L\(level)d" : kind == "instruction" ? "L\(level)i" : "L\(level)"
            return Cache(name: name, sizeBytes: c["sizeBytes"]?.double, count: c["count"]?.int, coresSharing: c["coresSharing"]?.int)
        }
        let numa = (j["numaNodes"]?.array ?? []).compactMap { n -> NUMANode? in
            guard let i = n["index"]?.int else { return nil }
            return NUMANode(index: i, memoryBytes: n["memoryBytes"]?.double, cpus: n["cpus"]?.array?.count ?? 0)
        }
        var prov = p
        prov.fingerprint = j["fingerprint"]?.string
        return MachineData(provenance: prov, cpuModel: j["cpu"]?["model"]?.string ?? "unknown CPU",
                           architecture: j["cpu"]?["architecture"]?.string,
                           isa: (j["isa"]?.array ?? []).compactMap(\.string), packages: j["packages"]?.int,
                           cores: j["cores"]?.int, hardwareThreads: j["hardwareThreads"]?.int,
                           memoryBytes: j["memoryBytes"]?.double, caches: caches, numa: numa,
                           fingerprint: j["fingerprint"]?.string, warnings: (j["warnings"]?.array ?? []).compactMap(\.string),
                           compute: compute, bandwidth: bandwidth, clockGHz: m?["clockGHz"]?["median"]?.double)
    }
}
