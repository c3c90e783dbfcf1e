import Foundation
import KernelContract

/// Reading and writing tuned-config files.
///
/// Writing is atomic (temporary file + rename), so an interrupted write never leaves a truncated config.
/// Loading never crashes: a missing, corrupt, foreign or wrong-version file yields `.fallback` with a
/// warning that names the file and what is wrong, and the caller uses the analytical defaults.
public enum TunedConfigFile {
    public enum LoadResult: Sendable {
        case loaded(TunedConfig)
        /// The file cannot be used; `warning` says why.
        case fallback(warning: String)
    }

    /// Loads `path` and checks its schema version and machine fingerprint (when `fingerprint` is given).
    public static func load(_ path: String, expectingFingerprint fingerprint: String?) -> LoadResult {
        let data: Data
        do { data = Data(try UntrustedFile.read(path, cap: UntrustedFile.Cap.document)) } catch {
            return .fallback(warning: "\(error.description) (tuned config); using analytical defaults")
        }
        // Check the schema version first so a newer file gets a precise message.
        if let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let v = obj["schemaVersion"] as? Int, v != TunedConfig.currentSchemaVersion {
            return .fallback(warning: "\(path): field 'schemaVersion' is \(v), expected \(TunedConfig.currentSchemaVersion); using analytical defaults")
        }
        let config: TunedConfig
        do {
            config = try JSONDecoder().decode(TunedConfig.self, from: data)
        } catch {
            return .fallback(warning: "\(path): not a valid tuned config (\(describe(error))); using analytical defaults")
        }
        if let fingerprint, config.machine.fingerprint != fingerprint {
            return .fallback(warning: "\(path): tuned for machine \(config.machine.fingerprint) (\(config.machine.cpu)), this machine is \(fingerprint); using analytical defaults")
        }
        return .loaded(config)
    }

    /// Writes `config` as pretty, key-sorted JSON, atomically.
    public static func write(_ config: TunedConfig, to path: String) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try enc.encode(config)
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url, options: .atomic)
    }

    /// A short, field-naming description of a decoding error.
    public static func describe(_ error: Error) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        func path(_ c: [CodingKey]) -> String {
            c.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch e {
        case let .keyNotFound(k, ctx): return "missing field '\(path(ctx.codingPath + [k]))'"
        case let .typeMismatch(t, ctx): return "field '\(path(ctx.codingPath))' is not a \(t)"
        case let .valueNotFound(t, ctx): return "field '\(path(ctx.codingPath))' is null, expected \(t)"
        case let .dataCorrupted(ctx):
            return ctx.codingPath.isEmpty ? "malformed JSON: \(ctx.debugDescription)"
                : "field '\(path(ctx.codingPath))': \(ctx.debugDescription)"
        @unknown default: return "\(e)"
        }
    }
}
