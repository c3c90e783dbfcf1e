import Configs
import KernelContract
import Foundation

/// An append-only JSON Lines journal: a header line, then one `JournalEntry` per measured candidate,
/// each written with a single `write` and flushed to disk (`synchronize`, i.e. fsync) before the tuner
/// moves on, so a sweep killed at any point keeps every measurement made before the kill.
public final class JournalFile {
    public let path: String
    private let handle: FileHandle
    private let encoder: JSONEncoder

    private init(path: String, handle: FileHandle) {
        self.path = path
        self.handle = handle
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = Self.floats
    }

    deinit { try? handle.close() }

    /// Non-finite numbers (a 0 s sample gives infinite GFLOP/s) are written as strings, not refused.
    private static let floats = JSONEncoder.NonConformingFloatEncodingStrategy.convertToString(
        positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")

    /// What `open` found in an existing journal.
    public struct Contents: Sendable {
        public var entries: [JournalEntry]
        /// One message per skipped line, naming the file and line number.
        public var warnings: [String]
    }

    /// Starts a new journal at `path` (replacing any file there) with `header` as its first line.
    public static func create(_ path: String, header: JournalHeader) throws(TunerError) -> JournalFile {
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw .journalIO(path: path, reason: "cannot create its directory: \(error.localizedDescription)")
        }
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw .journalIO(path: path, reason: "cannot create the journal file")
        }
        let journal = JournalFile(path: path, handle: handle)
        try journal.appendLine(header)
        return journal
    }

    /// Reads `path` for `--resume`: refuses a header that differs from `expected` (naming the field),
    /// skips corrupt lines with a warning naming their line number, and opens the file for appending.
    public static func resume(_ path: String, expected: JournalHeader) throws(TunerError) -> (JournalFile, Contents) {
        let data: Data
        do { data = Data(try UntrustedFile.read(path, cap: UntrustedFile.Cap.journal)) } catch {
            throw .journalIO(path: path, reason: "cannot read the journal to resume: \(error.detail)")
        }
        let contents = try read(data, path: path, expected: expected)
        guard let handle = FileHandle(forUpdatingAtPath: path) else {
            throw .journalIO(path: path, reason: "cannot open the journal for appending")
        }
        let journal = JournalFile(path: path, handle: handle)
        do {
            try handle.seekToEnd()
            // A line torn by a kill has no newline; start the next entry on a fresh line.
            if data.last != UInt8(ascii: "\n") { try handle.write(contentsOf: Data([UInt8(ascii: "\n")])) }
        } catch {
            throw .journalIO(path: path, reason: "cannot append: \(error.localizedDescription)")
        }
        return (journal, contents)
    }

    /// Parses journal bytes: the header must match `expected`; entry lines that do not decode are skipped.
    public static func read(_ data: Data, path: String, expected: JournalHeader) throws(TunerError) -> Contents {
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        guard let first = lines.first, !first.isEmpty else {
            throw .journalIO(path: path, reason: "the journal is empty (no header line)")
        }
        let header: JournalHeader
        do {
            header = try decoder.decode(JournalHeader.self, from: Data(first))
        } catch {
            throw .journalIO(path: path, reason: "line 1 is not a journal header (\(TunedConfigFile.describe(error)))")
        }
        if let m = header.mismatch(against: expected) {
            throw .journalMismatch(path: path, field: m.field, found: m.found, expected: m.expected)
        }
        var entries: [JournalEntry] = []
        var warnings: [String] = []
        var seen: [JournalEntry.Key: Int] = [:]
        for (n, line) in lines.enumerated().dropFirst() where !line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) {
            do {
                let entry = try decoder.decode(JournalEntry.self, from: Data(line))
                guard entry.type == "candidate" else {
                    warnings.append("\(path):\(n + 1): unknown line type '\(entry.type)'; skipped")
                    continue
                }
                if let problem = entry.problem {
                    warnings.append("\(path):\(n + 1): untrusted journal line skipped (\(problem))")
                    continue
                }
                if let first = seen[entry.key] {
                    warnings.append("\(path):\(n + 1): duplicate of line \(first) (same kernel, shape, parameters and rung); skipped")
                    continue
                }
                seen[entry.key] = n + 1
                entries.append(entry)
            } catch {
                warnings.append("\(path):\(n + 1): corrupt journal line skipped (\(TunedConfigFile.describe(error)))")
            }
        }
        return Contents(entries: entries, warnings: warnings)
    }

    /// Appends one entry as a single line and flushes it to disk before returning.
    public func append(_ entry: JournalEntry) throws(TunerError) {
        try appendLine(entry)
    }

    private func appendLine<T: Encodable>(_ value: T) throws(TunerError) {
        do {
            var data = try encoder.encode(value)
            data.append(UInt8(ascii: "\n"))
            try handle.write(contentsOf: data)
            try handle.synchronize()
        } catch {
            throw .journalIO(path: path, reason: "cannot append to the journal: \(error.localizedDescription)")
        }
    }
}
