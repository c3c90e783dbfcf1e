import ArgumentParser
import Configs
import Foundation
import Probe
import Report
import Tuner
#if Store
import Store
#endif

/// `ktune store`: the shared results store on PostgreSQL (push, pull, list, best). See docs/store.md.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Share tuning results through a PostgreSQL store: push, pull, list, best.",
        discussion: """
            The store is --store postgres://user:password@host:port/db or $KTUNE_STORE. Opening it creates \
            or migrates its tables (schema ktune); a store whose schema is newer than this ktune is refused \
            unchanged. Local files stay the source of truth: push uploads them (again without duplicates), \
            pull writes this machine's newest config from the store.
            """,
        subcommands: [Push.self, Pull.self, List.self, Best.self])

    /// The `--store` option every subcommand takes.
    struct Location: ParsableArguments {
        @Option(help: ArgumentHelp("Results store (default: $KTUNE_STORE).", valueName: "postgres://user:password@host:port/db"))
        var store: String?

        #if Store
        func open() throws -> ResultsStore {
            guard let url = StoreBridge.url(flag: store) else {
                throw ValidationError("no store: pass --store postgres://user:password@host:port/db or set KTUNE_STORE")
            }
            return try ResultsStore.open(try StoreLocation(parsing: url))
        }
        #else
        func open() throws -> Never { throw ValidationErrorText(StoreBridge.missingTrait) }
        #endif
    }

    /// This machine's fingerprint and summary (topology only, no benchmarks).
    static func thisMachine() throws -> MachineContext {
        MachineContext.from(try Prober.probe(options: ProbeOptions(benchmarks: false))).context
    }

    struct Push: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Upload journals and tuned configs (default: this machine's default config and its journal).",
            discussion: "Pushing the same journal or config again adds nothing: runs are keyed by the journal's header line, measurements by their JSON, config versions by their JSON.")

        @OptionGroup var location: Location

        @Option(name: .customLong("journal"), parsing: .singleValue, help: ArgumentHelp("Journal to upload (repeatable).", valueName: "file"))
        var journals: [String] = []

        @Option(name: .customLong("config"), parsing: .singleValue, help: ArgumentHelp("Tuned config to upload (repeatable).", valueName: "file"))
        var configs: [String] = []

        func run() throws {
            #if Store
            var journals = self.journals, configs = self.configs
            if journals.isEmpty && configs.isEmpty {
                let config = TunedConfigLocation.defaultPath(fingerprint: try StoreCommand.thisMachine().fingerprint)
                let journal = TunedConfigLocation.journalPath(forConfig: config)
                guard FileManager.default.fileExists(atPath: config) || FileManager.default.fileExists(atPath: journal) else {
                    throw ValidationError("nothing to push: neither \(config) nor \(journal) exists (pass --journal / --config)")
                }
                if FileManager.default.fileExists(atPath: journal) { journals.append(journal) }
                if FileManager.default.fileExists(atPath: config) { configs.append(config) }
            }
            let store = try location.open()
            defer { store.close() }
            for path in journals {
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw ValidationErrorText("\(path): cannot read the journal")
                }
                let r = try store.pushJournal(data, path: path)
                for s in r.skipped { FileHandle.standardError.write(Data("warning: \(s)\n".utf8)) }
                print("journal \(path): run \(r.runID) (machine \(r.fingerprint)): \(r.added) measurements added, \(r.alreadyStored) already stored")
            }
            for path in configs {
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw ValidationErrorText("\(path): cannot read the tuned config")
                }
                let c = try store.pushConfig(data, path: path)
                print("config \(path): machine \(c.fingerprint) version \(c.version)\(c.added ? " (new)" : " (already stored)")")
            }
            #else
            throw ValidationErrorText(StoreBridge.missingTrait)
            #endif
        }
    }

    struct Pull: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write this machine's newest tuned config from the store (or a run's journal with --run).",
            discussion: "A different file already at --out is kept as <out>.before-pull. A config is only pulled for this machine's own fingerprint unless --fingerprint names another (then it is written, never used by generate on this machine).")

        @OptionGroup var location: Location

        @Option(help: ArgumentHelp("Where to write (default: the config's default path, $KTUNE_HOME/tuned/<fingerprint>.json; with --run: required).", valueName: "file"))
        var out: String?

        @Option(help: ArgumentHelp("Machine whose config to pull (default: this machine).", valueName: "fingerprint"))
        var fingerprint: String?

        @Option(help: ArgumentHelp("Config version (default: the newest).", valueName: "n"))
        var version: Int?

        @Option(name: .customLong("run"), help: ArgumentHelp("Pull this run's journal instead of a config (run ids: `ktune store list --fingerprint FP`).", valueName: "id"))
        var runID: String?

        func validate() throws {
            if runID != nil && out == nil { throw ValidationError("--run needs --out FILE (where to write the journal)") }
            if let version, version < 1 { throw ValidationError("--version must be at least 1, got \(version)") }
        }

        func run() throws {
            #if Store
            let store = try location.open()
            defer { store.close() }
            if let run = runID, let out {
                let text = try store.journalText(runID: run)
                try Self.write(Data(text.utf8), to: out)
                print("journal of run \(run): \(text.split(separator: "\n").count - 1) measurements written to \(out)")
                return
            }
            let fp = try fingerprint ?? StoreCommand.thisMachine().fingerprint
            guard let c = try store.latestConfig(fingerprint: fp, version: version) else {
                throw ValidationErrorText("store \(store.location): no tuned config\(version.map { " version \($0)" } ?? "") for machine \(fp)")
            }
            let path = out ?? TunedConfigLocation.defaultPath(fingerprint: fp)
            try Self.write(Data(c.json.utf8), to: path)
            print("config version \(c.version) of machine \(fp) (stored \(c.createdAt) by \(c.source)) written to \(path)")
            #else
            throw ValidationErrorText(StoreBridge.missingTrait)
            #endif
        }

        /// Atomic write; a different existing file is kept as `<path>.before-pull`.
        static func write(_ data: Data, to path: String) throws {
            let url = URL(fileURLWithPath: path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            if let old = FileManager.default.contents(atPath: path), old != data {
                let backup = path + ".before-pull"
                try? FileManager.default.removeItem(atPath: backup)
                try FileManager.default.copyItem(atPath: path, toPath: backup)
                FileHandle.standardError.write(Data("note: the previous \(path) is kept as \(backup)\n".utf8))
            }
            try data.write(to: url, options: .atomic)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the machines in the store, or one machine's runs and config versions.")

        @OptionGroup var location: Location

        @Option(help: ArgumentHelp("Show this machine's runs and config versions.", valueName: "fingerprint"))
        var fingerprint: String?

        func run() throws {
            #if Store
            let store = try location.open()
            defer { store.close() }
            if let fingerprint {
                var runs = TextTable(header: ["run", "source", "pushed", "measurements"])
                for r in try store.runs(fingerprint: fingerprint) { runs.append([r.runID, r.source, r.pushedAt, "\(r.measurements)"]) }
                print("runs of machine \(fingerprint):")
                print(runs.render())
                var configs = TextTable(header: ["config version", "stored", "source", "speedups"])
                for c in try store.configVersions(fingerprint: fingerprint) {
                    configs.append(["\(c.version)", c.createdAt, c.source, Self.speedupSummary(c.speedups)])
                }
                print("tuned configs of machine \(fingerprint):")
                print(configs.render())
                return
            }
            var t = TextTable(header: ["fingerprint", "cpu", "cores", "first seen", "last seen", "runs", "measurements", "config"])
            for m in try store.machines() {
                t.append([m.fingerprint, m.cpu ?? "?", m.cores.map(String.init) ?? "?", m.firstSeen, m.lastSeen, "\(m.runs)",
                          "\(m.measurements)", m.latestConfigVersion.map { "v\($0)" } ?? "-"])
            }
            print("store \(store.location) (schema version \(Schema.current))")
            print(t.render())
            #else
            throw ValidationErrorText(StoreBridge.missingTrait)
            #endif
        }

        /// "n kernels, best 1.8x, median 1.2x" from the speedups column.
        static func speedupSummary(_ json: String) -> String {
            guard let obj = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] else { return "-" }
            let kernels = ((obj["kernels"] as? [[String: Any]]) ?? []).compactMap { $0["speedup"] as? Double }.sorted()
            var parts: [String] = []
            if !kernels.isEmpty {
                parts.append(String(format: "%d kernels, median %.2fx, best %.2fx", kernels.count, kernels[kernels.count / 2], kernels.last ?? 1))
            }
            for (k, v) in obj where k != "kernels" { parts.append("\(k) \(v)") }
            return parts.isEmpty ? "-" : parts.joined(separator: "; ")
        }
    }

    struct Best: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A machine's newest tuned config and its best measurement per shape over every run in the store.")

        @OptionGroup var location: Location

        @Option(help: ArgumentHelp("Machine (default: this machine).", valueName: "fingerprint"))
        var fingerprint: String?

        func run() throws {
            #if Store
            let store = try location.open()
            defer { store.close() }
            let fp = try fingerprint ?? StoreCommand.thisMachine().fingerprint
            if let c = try store.latestConfig(fingerprint: fp),
               let config = try? JSONDecoder().decode(TunedConfig.self, from: Data(c.json.utf8)) {
                var t = TextTable(header: ["kernel", "shape", "params", "GFLOP/s", "default GFLOP/s", "speedup"])
                for e in config.entries {
                    t.append([e.kernel, e.shape, e.params.description, String(format: "%.1f", e.measured.median),
                              String(format: "%.1f", e.baseline.gflops.median), String(format: "%.3f", e.speedup)])
                }
                print("tuned config version \(c.version) of machine \(fp) (stored \(c.createdAt) by \(c.source)):")
                print(t.render())
            } else {
                print("no tuned config for machine \(fp) in the store")
            }
            var b = TextTable(header: ["kernel", "shape", "best params", "GFLOP/s", "run", "ok measurements"])
            for r in try store.best(fingerprint: fp) {
                b.append([r.family, r.shape, r.params, String(format: "%.1f", r.gflops), r.runID, "\(r.measured)"])
            }
            print("best single measurement per shape (sequential, not head to head):")
            print(b.render())
            #else
            throw ValidationErrorText(StoreBridge.missingTrait)
            #endif
        }
    }
}
