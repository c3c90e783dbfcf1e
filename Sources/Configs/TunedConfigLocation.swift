import Foundation

/// Where tuned configs live by default, so the tuner (writer) and the inference core (reader) agree
/// without either importing the other: `$KTUNE_HOME/tuned/<fingerprint>.json`, with `KTUNE_HOME`
/// defaulting to `~/.ktune`. Keyed by machine fingerprint, so one home directory can hold configs for
/// several machines (e.g. a shared NFS home) and a config never silently applies to another CPU.
public enum TunedConfigLocation {
    /// The ktune home directory: `$KTUNE_HOME`, else `$HOME/.ktune`.
    public static var home: String {
        let env = ProcessInfo.processInfo.environment
        if let h = env["KTUNE_HOME"], !h.isEmpty { return h }
        let base = env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return (base as NSString).appendingPathComponent(".ktune")
    }

    /// The default tuned-config path for the machine with `fingerprint`.
    public static func defaultPath(fingerprint: String) -> String {
        ((home as NSString).appendingPathComponent("tuned") as NSString).appendingPathComponent("\(fingerprint).json")
    }

    /// The default journal path next to a config: `<config without .json>.journal.jsonl`.
    public static func journalPath(forConfig config: String) -> String {
        let base = config.hasSuffix(".json") ? String(config.dropLast(5)) : config
        return base + ".journal.jsonl"
    }
}
