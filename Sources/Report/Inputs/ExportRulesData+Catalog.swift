import Models
import Simulator

extension ExportRulesData {
    /// Every rule's control regions in the TPP × PD plane and every GPU profile's place, from the simulator.
    public static func read(_ catalog: HardwareCatalog) -> Input<ExportRulesData> {
        do throws(ProfileError) {
            let rules = try catalog.ruleIDs().map { id throws(ProfileError) in try catalog.rule(id) }
            let gpus = try catalog.allGPUs()
            guard !rules.isEmpty, !gpus.isEmpty else { return .absent }
            var regions: [ExportRulesData.Region] = []
            for r in rules {
                for c in r.classes {
                    for clause in c.anyOf {
                        var tLo = 0.0, tHi = 1e9, pLo = 0.0, pHi = 1e9
                        var other: [String] = []
                        for cond in clause {
                            let lo = cond.min ?? 0, hi = cond.below ?? 1e9
                            switch cond.metric {
                            case "tpp": tLo = max(tLo, lo); tHi = min(tHi, hi)
                            case "pd": pLo = max(pLo, lo); pHi = min(pHi, hi)
                            default:
                                other.append("\(c.name) also needs \(cond.metric.uppercased())"
                                             + (cond.min.map { " ≥ \(NumberFormat.short($0))" } ?? "")
                                             + (cond.below.map { " < \(NumberFormat.short($0))" } ?? ""))
                            }
                        }
                        // A clause no value can satisfy (min ≥ below) covers nothing.
                        guard tLo < tHi, pLo < pHi else { continue }
                        regions.append(.init(rule: r.id, controlClass: c.name, tpp: tLo...tHi, pd: pLo...pHi, otherCriteria: other))
                    }
                }
            }
            let placed = gpus.map { g -> ExportRulesData.GPU in
                let m = ExportMetrics(gpu: g)
                var caught: [String: [String]] = [:]
                for r in rules { caught[r.id] = r.evaluate(g).caughtBy }
                return .init(id: g.id, tpp: m.tpp, pd: m.pd, caughtBy: caught)
            }
            return .loaded(ExportRulesData(rules: rules.map { ($0.id, $0.name) }, regions: regions, gpus: placed,
                                           source: "\(catalog.ruleDirectory.path) and \(catalog.gpuDirectory.path)"))
        } catch {
            return .unusable(error.description)
        }
    }
}
