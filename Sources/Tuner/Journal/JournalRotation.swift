import Foundation

/// Keeps an earlier journal when a new sweep starts without `--resume`: the old file is renamed to the
/// first free `<path>.1`, `<path>.2`, … instead of being truncated (hours of measurements are not lost).
public enum JournalRotation {
    /// Renames the file at `path` (if any) and returns the name it now has; nil when there was none.
    public static func rotate(_ path: String) throws(TunerError) -> String? {
        let fm = FileManager.default
        guard fm.fileExists(atPath: path) else { return nil }
        for n in 1...10_000 {
            let candidate = "\(path).\(n)"
            if fm.fileExists(atPath: candidate) { continue }
            // link + unlink never replaces an existing file (rename would, racing another tuner).
            if link(path, candidate) == 0 {
                unlink(path)
                return candidate
            }
            if errno == EEXIST { continue }
            do { try fm.moveItem(atPath: path, toPath: candidate) } catch {
                throw .journalIO(path: path, reason: "cannot keep the earlier journal as \(candidate): \(error.localizedDescription)")
            }
            return candidate
        }
        throw .journalIO(path: path, reason: "10000 rotated journals already exist next to it; remove some or pass --resume")
    }
}
