import Configs
import Foundation
import Kernels

/// Writes a sweep's results as a tuned config, atomically, merged into the config already at the path
/// when that one belongs to the same machine (tuning a second model adds its shapes instead of dropping
/// the first model's). An unreadable, truncated or foreign existing file is reported and replaced.
public enum TunedConfigOutput {
    /// The config that `write` would produce, and one note per thing the user should know.
    public static func merged(_ results: [ShapeResult], machine: MachineContext, existingAt path: String,
                              createdAt: String) -> (config: TunedConfig, notes: [String]) {
        var notes: [String] = []
        var entries: [TunedConfig.Entry] = []
        if FileManager.default.fileExists(atPath: path) {
            switch TunedConfigFile.load(path, expectingFingerprint: machine.fingerprint) {
            case let .loaded(old):
                let fresh = Set(results.map { "\($0.target.kernel)|\($0.target.shape)" })
                entries = old.entries.filter { !fresh.contains("\($0.kernel)|\($0.shape)") }
                if !entries.isEmpty { notes.append("kept \(entries.count) entries of the existing config at \(path)") }
            case let .fallback(warning):
                notes.append("warning: \(warning); it is replaced by this run's results")
            }
        }
        entries += results.compactMap(\.entry).map { e in
            var e = e
            if machine.traits.coreKinds.count > 1, let threads = e.params["threads"] {
                e.placement = CorePlacement.fastestFirst.summary(threads: threads, kinds: machine.traits.coreKinds)
            }
            return e
        }
        entries.sort { ($0.kernel, $0.shape) < ($1.kernel, $1.shape) }
        return (TunedConfig(machine: machine.summary, createdAt: createdAt, entries: entries), notes)
    }

    /// Merges and writes atomically (`TunedConfigFile.write`); returns the notes.
    @discardableResult
    public static func write(_ results: [ShapeResult], machine: MachineContext, to path: String,
                             createdAt: String) throws -> [String] {
        let (config, notes) = merged(results, machine: machine, existingAt: path, createdAt: createdAt)
        try TunedConfigFile.write(config, to: path)
        return notes
    }
}
