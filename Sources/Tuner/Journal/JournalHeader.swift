import Configs
import Kernels

/// The first line of a journal: what the recorded measurements are valid for. `--resume` refuses a
/// journal whose machine fingerprint, tool version or search-space hash differs from the current run.
public struct JournalHeader: Codable, Sendable, Equatable {
    /// Always "header" (the line's type tag).
    public var type: String = "header"
    /// Journal layout version.
    public var journalVersion: Int = 1
    public var fingerprint: String
    public var toolVersion: String
    /// `SearchSpaceHash` of every (kernel, shape) search space in the sweep.
    public var spaceHash: String
    public var createdAt: String
    /// The command line's strategy and options, for the record (not checked on resume: measurements are
    /// keyed by parameters, so another strategy may reuse them).
    public var strategy: String

    public init(fingerprint: String, toolVersion: String = ToolVersion.current, spaceHash: String,
                createdAt: String, strategy: String) {
        self.fingerprint = fingerprint; self.toolVersion = toolVersion; self.spaceHash = spaceHash
        self.createdAt = createdAt; self.strategy = strategy
    }

    /// The first field in which `self` (found in a file) differs from `expected`, as (name, found, expected).
    public func mismatch(against expected: JournalHeader) -> (field: String, found: String, expected: String)? {
        if journalVersion != expected.journalVersion {
            return ("journalVersion", String(journalVersion), String(expected.journalVersion))
        }
        if fingerprint != expected.fingerprint { return ("fingerprint", fingerprint, expected.fingerprint) }
        if toolVersion != expected.toolVersion { return ("toolVersion", toolVersion, expected.toolVersion) }
        if spaceHash != expected.spaceHash { return ("spaceHash", spaceHash, expected.spaceHash) }
        return nil
    }
}
