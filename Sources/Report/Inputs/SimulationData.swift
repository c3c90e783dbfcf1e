/// What the report shows of `ktune simulate compare|inference --json`: one estimate per GPU, with its
/// step time split into compute, memory and communication.
public struct SimulationData: Sendable, Equatable {
    public struct Estimate: Sendable, Equatable {
        public var gpu: String
        public var model: String?
        public var mode: String?
        public var tokensPerSecondPerGPU: Double?
        public var latencyMs: Double?
        public var usdPerMillionTokens: Double?
        /// Milliseconds per step by cause, summed over ops (not overlapped).
        public var computeMs: Double
        public var memoryMs: Double
        public var communicationMs: Double
        public var exportStatus: String?
        public var layout: String?
        public var error: String?
    }
    public var provenance: Provenance
    public var estimates: [Estimate]

    /// Time by cause for one estimate: per-op `computeMs`/`memoryMs`/`communicationMs` when the simulator
    /// writes them; otherwise each op's `timeMs` goes to its `bound` ("compute", "memory", "nvlink",
    /// "network"); without ops, the estimate's own `computeMs` and `communicationMs`.
    static func split(_ e: JSONValue) -> (Double, Double, Double) {
        var c = 0.0, m = 0.0, x = 0.0
        var any = false
        for op in e["ops"]?.array ?? [] {
            if let oc = op["computeMs"]?.double, let om = op["memoryMs"]?.double {
                // Explicit per-op parts: the op costs the larger of the two unless it is communication.
                let ox = op["communicationMs"]?.double ?? 0
                let t = op["timeMs"]?.double ?? max(oc, om, ox)
                if ox > 0 && ox >= max(oc, om) { x += t } else if oc >= om { c += t } else { m += t }
                any = true
                continue
            }
            guard let t = op["timeMs"]?.double else { continue }
            any = true
            switch op["bound"]?.string ?? "" {
            case "compute": c += t
            case "memory", "hbm", "dram": m += t
            case "nvlink", "network", "communication", "pcie": x += t
            default: break
            }
        }
        if !any {
            m = e["memoryMs"]?.double ?? 0
            c = max((e["computeMs"]?.double ?? 0) - m, 0)
            x = e["communicationMs"]?.double ?? 0
        }
        return (c, m, x)
    }

    public static func read(_ path: String) throws(InputError) -> SimulationData {
        let (j, p) = try InputFile.json(path)
        // compare: [{gpu, estimate, error, exportStatus}]; inference: one estimate object.
        let rows: [JSONValue] = j.array ?? [j]
        var estimates: [Estimate] = []
        for r in rows {
            let e = r["estimate"] ?? (r["tokensPerSecondPerGPU"] != nil ? r : nil)
            guard let gpu = r["gpu"]?.string ?? e?["gpu"]?.string else { continue }
            guard let e else {
                estimates.append(Estimate(gpu: gpu, computeMs: 0, memoryMs: 0, communicationMs: 0,
                                          exportStatus: r["exportStatus"]?.string, error: r["error"]?.string ?? "no estimate"))
                continue
            }
            let (c, m, x) = split(e)
            let layout = ["gpus", "tp", "ep", "pp"].compactMap { k in e[k]?.int.map { "\(k == "gpus" ? "" : k)\($0)" } }
            estimates.append(Estimate(gpu: gpu, model: e["model"]?.string, mode: e["mode"]?.string,
                                      tokensPerSecondPerGPU: e["tokensPerSecondPerGPU"]?.double,
                                      latencyMs: e["tpotMs"]?.double ?? e["ttftMs"]?.double,
                                      usdPerMillionTokens: e["usdPerMillionTokens"]?.double,
                                      computeMs: c, memoryMs: m, communicationMs: x, exportStatus: r["exportStatus"]?.string,
                                      layout: layout.isEmpty ? nil : layout.joined(separator: " "), error: nil))
        }
        if estimates.isEmpty {
            throw InputError("\(path): no estimate with a 'gpu' field; not the output of `ktune simulate compare --json`")
        }
        return SimulationData(provenance: p, estimates: estimates)
    }
}

/// Export-control rules and where each GPU falls (computed by the simulator from profiles/rules and
/// profiles/gpus; the report only draws it).
public struct ExportRulesData: Sendable, Equatable {
    /// One rectangle of the TPP × PD plane a control class covers (a conjunction of thresholds).
    public struct Region: Sendable, Equatable {
        public var rule: String
        public var controlClass: String
        public var tpp: ClosedRange<Double>
        public var pd: ClosedRange<Double>
        /// Criteria on other metrics (I/O bandwidth) that this drawing cannot show.
        public var otherCriteria: [String]
        public init(rule: String, controlClass: String, tpp: ClosedRange<Double>, pd: ClosedRange<Double>, otherCriteria: [String]) {
            self.rule = rule; self.controlClass = controlClass; self.tpp = tpp; self.pd = pd; self.otherCriteria = otherCriteria
        }
    }
    public struct GPU: Sendable, Equatable {
        public var id: String
        public var tpp: Double
        public var pd: Double
        /// Per rule id: the classes that catch it (empty: not controlled).
        public var caughtBy: [String: [String]]
        public init(id: String, tpp: Double, pd: Double, caughtBy: [String: [String]]) {
            self.id = id; self.tpp = tpp; self.pd = pd; self.caughtBy = caughtBy
        }
    }
    public var rules: [(id: String, name: String)]
    public var regions: [Region]
    public var gpus: [GPU]
    public var source: String

    public init(rules: [(id: String, name: String)], regions: [Region], gpus: [GPU], source: String) {
        self.rules = rules; self.regions = regions; self.gpus = gpus; self.source = source
    }

    public static func == (a: ExportRulesData, b: ExportRulesData) -> Bool {
        a.rules.map(\.id) == b.rules.map(\.id) && a.rules.map(\.name) == b.rules.map(\.name)
            && a.regions == b.regions && a.gpus == b.gpus && a.source == b.source
    }
}
