import Foundation

/// Keeps a tuned config that a new sweep is about to replace because it could not be merged (it does not
/// parse, it is for another machine or schema): copied to the first free `<path>.backup-N`, never lost.
public enum TunedConfigBackup {
    /// The name `keep` would use now.
    public static func nextName(for path: String) -> String {
        var n = 1
        while FileManager.default.fileExists(atPath: "\(path).backup-\(n)") { n += 1 }
        return "\(path).backup-\(n)"
    }

    /// Copies the file at `path` to `nextName(for:)` and returns that name.
    @discardableResult
    public static func keep(_ path: String) throws -> String {
        let target = nextName(for: path)
        try FileManager.default.copyItem(atPath: path, toPath: target)
        return target
    }
}
