import Foundation

/// The parts of /proc/cpuinfo the prober reads: identity and feature flags of the first processor.
struct CPUInfoFile {
    var identity = CPUIdentity()
    /// Raw flag words (x86 `flags`, arm64 `Features`); nil when the file has none.
    var flags: [Substring]?

    /// Parses the text of /proc/cpuinfo (first processor block only).
    init(text: String) {
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingWhitespace.isEmpty { if !fields.isEmpty { break } else { continue } }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingWhitespace
            if fields[key] == nil { fields[key] = line[line.index(after: colon)...].trimmingWhitespace }
        }
        func int(_ key: String) -> Int? {
            guard let v = fields[key] else { return nil }
            return v.hasPrefix("0x") ? Int(v.dropFirst(2), radix: 16) : Int(v)
        }
        identity = CPUIdentity(vendor: fields["vendor_id"] ?? fields["CPU implementer"].map { "ARM implementer \($0)" },
                               model: fields["model name"],
                               family: int("cpu family") ?? int("CPU architecture"),
                               modelNumber: int("model") ?? int("CPU part"),
                               stepping: int("stepping") ?? int("CPU revision"))
        flags = (fields["flags"] ?? fields["Features"]).map { $0.split(separator: " ") }
    }

    /// Reads `path` (default /proc/cpuinfo); nil when unreadable.
    static func read(path: String = "/proc/cpuinfo") -> CPUInfoFile? {
        (try? String(contentsOfFile: path, encoding: .utf8)).map { CPUInfoFile(text: $0) }
    }
}
