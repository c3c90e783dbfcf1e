import Foundation

/// This process's resident memory, from /proc/self/status (Linux): `VmRSS` now and `VmHWM`, its peak.
/// Nil fields where the file or the line is missing (other systems).
struct ProcessMemory {
    var residentBytes: Int?
    var peakResidentBytes: Int?

    static func current() -> ProcessMemory {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return ProcessMemory() }
        func kib(_ key: String) -> Int? {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }) else { return nil }
            let digits = line.dropFirst(key.count + 1).filter(\.isNumber)
            return Int(digits).map { $0 * 1024 }
        }
        return ProcessMemory(residentBytes: kib("VmRSS"), peakResidentBytes: kib("VmHWM"))
    }
}
