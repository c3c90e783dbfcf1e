import Foundation

/// Which files the report reads: given on the command line, or found at ktune's default locations.
public struct ReportInputs: Sendable, Equatable {
    public var probe: String?
    public var journal: String?
    public var config: String?
    public var profile: String?
    public var simulate: String?

    public init(probe: String? = nil, journal: String? = nil, config: String? = nil, profile: String? = nil,
                simulate: String? = nil) {
        self.probe = probe; self.journal = journal; self.config = config; self.profile = profile; self.simulate = simulate
    }

    /// Fills what was not given from the default locations: `out/probe.json`, the newest
    /// `*.journal.jsonl` in `out/` or `tunedDirectory`, the config beside that journal (or the newest
    /// config in `tunedDirectory`), `out/profile.json[l]`, `out/simulate.json`.
    public func locatingDefaults(outDirectory: String = "out", tunedDirectory: String?) -> ReportInputs {
        let fm = FileManager.default
        func existing(_ candidates: [String]) -> String? { candidates.first { fm.fileExists(atPath: $0) } }
        func newest(in dirs: [String], suffix: String, excluding: String? = nil) -> String? {
            var best: (String, Date)?
            for d in dirs {
                for name in (try? fm.contentsOfDirectory(atPath: d)) ?? [] where name.hasSuffix(suffix) {
                    if let excluding, name.hasSuffix(excluding) { continue }
                    let path = (d as NSString).appendingPathComponent(name)
                    let date = (try? fm.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? .distantPast
                    if best.map({ date > $0.1 }) ?? true { best = (path, date) }
                }
            }
            return best?.0
        }
        let dirs = [outDirectory] + (tunedDirectory.map { [$0] } ?? [])
        var r = self
        r.probe = probe ?? existing([outDirectory + "/probe.json"])
        r.journal = journal ?? newest(in: dirs, suffix: ".journal.jsonl")
        if config == nil {
            if let j = r.journal, j.hasSuffix(".journal.jsonl"), fm.fileExists(atPath: String(j.dropLast(".journal.jsonl".count)) + ".json") {
                r.config = String(j.dropLast(".journal.jsonl".count)) + ".json"
            } else if let t = tunedDirectory {
                r.config = newest(in: [t], suffix: ".json")
            }
        }
        r.profile = profile ?? existing([outDirectory + "/profile.json", outDirectory + "/profile.jsonl"])
        r.simulate = simulate ?? existing([outDirectory + "/simulate.json"])
        return r
    }
}

/// Reads the inputs and lays out the report. Each input is read on its own: one that is missing,
/// truncated or foreign gives its section a reason and leaves the others untouched.
public enum ReportBuilder {
    static func load<T>(_ path: String?, _ read: (String) throws(InputError) -> T) -> Input<T> {
        guard let path else { return .absent }
        do { return .loaded(try read(path)) } catch { return .unusable(error.description) }
    }

    public static func document(_ inputs: ReportInputs, rules: Input<ExportRulesData>, now: Date = Date()) -> ReportDocument {
        let machine = load(inputs.probe, MachineData.read)
        let journal: Input<TuningData> = load(inputs.journal) { (p: String) throws(InputError) in
            let (prov, cands, skipped, strategy) = try TuningData.readJournal(p)
            return TuningData(journal: prov, candidates: cands, skipped: skipped, strategy: strategy)
        }
        let config: Input<TuningData> = load(inputs.config) { (p: String) throws(InputError) in
            let (prov, winners, e2e, notes) = try TuningData.readConfig(p)
            var data = TuningData(config: prov, winners: winners, endToEnd: e2e)
            data.endToEndNotes = notes
            return data
        }
        let profile = load(inputs.profile, ProfileData.read)
        let simulation = load(inputs.simulate, SimulationData.read)
        let sections = [
            MachineSection.build(machine),
            TuningSection.build(journal: journal, config: config),
            ProfileSection.build(profile, machine: machine.value),
            SimulationSection.build(simulation, rules: rules),
        ]
        func describe(_ path: String?) -> String { path ?? "not found (see its section)" }
        let list: [(String, String)] = [("probe", describe(inputs.probe)), ("journal", describe(inputs.journal)),
                                        ("tuned config", describe(inputs.config)), ("profile", describe(inputs.profile)),
                                        ("simulation", describe(inputs.simulate))]
        return ReportDocument(sections: sections, generatedAt: InputFile.format(now), inputs: list)
    }
}
