import Foundation

/// `ktune profile -o` formats, as llama-bench names them.
public enum ProfileOutputFormat: String, CaseIterable, Sendable {
    case md, csv, json, jsonl, sql

    /// Parses `text`, or says what was expected.
    public static func parse(_ text: String) throws(ProfileFormatError) -> ProfileOutputFormat {
        guard let f = ProfileOutputFormat(rawValue: text) else {
            throw ProfileFormatError("unknown output format '\(text)' for -o/--output (expected one of \(allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return f
    }
}

public struct ProfileFormatError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ d: String) { description = d }
}

/// Renders records one at a time, so each row is printed (and saved) as soon as its test completes:
/// `header()` once, `row(_:)` per record, `footer()` at the end (closes the JSON array).
public struct ProfileRecordWriter: Sendable {
    public let format: ProfileOutputFormat
    private var rows = 0

    public init(format: ProfileOutputFormat) { self.format = format }

    /// The flat fields of csv and sql, in order, with SQL types.
    static let flatFields: [(String, String)] = [
        ("build_commit", "TEXT"), ("cpu_info", "TEXT"), ("backends", "TEXT"), ("model_filename", "TEXT"),
        ("model_type", "TEXT"), ("model_size", "INTEGER"), ("model_n_params", "INTEGER"), ("n_threads", "INTEGER"),
        ("n_prompt", "INTEGER"), ("n_gen", "INTEGER"), ("n_depth", "INTEGER"), ("test_time", "TEXT"),
        ("avg_ns", "INTEGER"), ("stddev_ns", "INTEGER"), ("avg_ts", "REAL"), ("stddev_ts", "REAL"),
        ("config", "TEXT"), ("config_hash", "TEXT"), ("machine_fingerprint", "TEXT"), ("disturbed", "INTEGER"),
    ]

    static func flatValues(_ r: ProfileRecord) -> [String] {
        [r.buildCommit, r.cpuInfo, r.backends, r.modelFilename, r.modelType, "\(r.modelSize)", "\(r.modelNParams)",
         "\(r.nThreads)", "\(r.nPrompt)", "\(r.nGen)", "\(r.nDepth)", r.testTime, "\(r.avgNs)", "\(r.stddevNs)",
         fixed(r.avgTs, 6), fixed(r.stddevTs, 6), r.ktune.config, r.ktune.configHash, r.ktune.machineFingerprint,
         r.ktune.disturbed ? "1" : "0"]
    }

    /// Text before the first row.
    public func header() -> String {
        switch format {
        case .md:
            return "| model | size | params | backend | threads | config | test | t/s |\n"
                + "| --- | ---: | ---: | --- | ---: | --- | ---: | ---: |\n"
        case .csv:
            return Self.flatFields.map(\.0).joined(separator: ",") + "\n"
        case .json:
            return "[\n"
        case .jsonl:
            return ""
        case .sql:
            return "CREATE TABLE IF NOT EXISTS test (\n"
                + Self.flatFields.map { "  \($0.0) \($0.1)" }.joined(separator: ",\n") + "\n);\n"
        }
    }

    /// One record.
    public mutating func row(_ r: ProfileRecord) throws -> String {
        defer { rows += 1 }
        switch format {
        case .md:
            let ts = "\(Self.fixed(r.avgTs, 2)) ± \(Self.fixed(r.stddevTs, 2))\(r.ktune.disturbed ? " !" : "")"
            return "| \(r.modelType) | \(Self.mib(r.modelSize)) | \(Self.millions(r.modelNParams)) | \(r.backends) | \(r.nThreads) | \(Self.configLabel(r.ktune.config)) | \(r.testName) | \(ts) |\n"
        case .csv:
            return Self.flatValues(r).map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ",") + "\n"
        case .json:
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let text = String(decoding: try enc.encode(r), as: UTF8.self)
            return (rows > 0 ? ",\n" : "") + text
        case .jsonl:
            return try Self.jsonLine(r)
        case .sql:
            let values = zip(Self.flatFields, Self.flatValues(r)).map { f, v in
                f.1 == "TEXT" ? "'" + v.replacingOccurrences(of: "'", with: "''") + "'" : v
            }
            return "INSERT INTO test (\(Self.flatFields.map(\.0).joined(separator: ", "))) VALUES (\(values.joined(separator: ", ")));\n"
        }
    }

    /// Text after the last row.
    public func footer() -> String {
        switch format {
        case .json: return rows > 0 ? "\n]\n" : "]\n"
        default: return ""
        }
    }

    /// One record as one compact JSON line (jsonl, and `--save`).
    public static func jsonLine(_ r: ProfileRecord) throws -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try enc.encode(r), as: UTF8.self) + "\n"
    }

    /// "default", or a config file's name.
    public static func configLabel(_ config: String) -> String {
        config == "default" ? "default" : (config as NSString).lastPathComponent
    }

    static func fixed(_ x: Double, _ digits: Int) -> String {
        x.isFinite ? String(format: "%.\(digits)f", x) : "nan"
    }

    static func mib(_ bytes: Int) -> String { String(format: "%.2f MiB", Double(bytes) / 1_048_576) }

    static func millions(_ n: Int) -> String {
        n >= 1_000_000_000 ? String(format: "%.2f B", Double(n) / 1e9) : String(format: "%.2f M", Double(n) / 1e6)
    }
}
