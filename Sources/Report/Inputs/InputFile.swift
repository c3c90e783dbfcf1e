import Foundation

/// Where a chart's data came from: the file, its modification date, and the machine it describes.
public struct Provenance: Sendable, Equatable {
    public var path: String
    /// When the file was last written (ISO-8601, UTC), or the time recorded inside it.
    public var date: String?
    public var fingerprint: String?
    public init(path: String, date: String?, fingerprint: String? = nil) {
        self.path = path; self.date = date; self.fingerprint = fingerprint
    }

    /// "Source: out/probe.json, 2026-12-01 22:40 UTC, machine 5e1f…".
    public var caption: String {
        var parts = [path]
        if let date { parts.append(date) }
        if let fingerprint { parts.append("machine \(fingerprint)") }
        return "Source: " + parts.joined(separator: ", ")
    }
}

/// A section's input: its data, or why there is none.
public enum Input<Value: Sendable>: Sendable {
    case loaded(Value)
    /// No file was given and none was found at the default locations.
    case absent
    /// A file was found but cannot be used; the message names the file and what is wrong.
    case unusable(String)

    public var value: Value? { if case let .loaded(v) = self { return v }; return nil }
}

/// Reading input files: bounded size, clear errors naming the file.
public enum InputFile {
    /// Inputs over this size are refused rather than read into memory.
    public static let maxBytes = 256 << 20

    /// The file's bytes and provenance (modification date), or an error naming the file.
    public static func read(_ path: String) throws(InputError) -> (Data, Provenance) {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else { throw InputError("\(path): no such file") }
        if isDir.boolValue { throw InputError("\(path): is a directory, expected a file") }
        let attrs = try? fm.attributesOfItem(atPath: path)
        if let size = attrs?[.size] as? Int, size > maxBytes {
            throw InputError("\(path): \(size) bytes, larger than the \(maxBytes >> 20) MiB an input may have")
        }
        guard let data = fm.contents(atPath: path) else { throw InputError("\(path): cannot be read (permissions?)") }
        if data.isEmpty { throw InputError("\(path): the file is empty") }
        let date = (attrs?[.modificationDate] as? Date).map(Self.format)
        return (data, Provenance(path: path, date: date))
    }

    /// Reads and parses one JSON document.
    public static func json(_ path: String) throws(InputError) -> (JSONValue, Provenance) {
        let (data, p) = try read(path)
        do { return (try JSONValue.parse(data), p) } catch { throw InputError("\(path): \(error.description)") }
    }

    /// "2026-12-01 22:40 UTC".
    public static func format(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return f.string(from: date)
    }
}
