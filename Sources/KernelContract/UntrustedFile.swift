#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file that came from outside (a config, a journal, a profile, a topology) without trusting what
/// the path names: the file is opened non-blocking (a FIFO never blocks the open), its type is checked
/// with `fstat` before a byte is read (a directory, FIFO, socket or device is refused), and its size is
/// checked against a cap before anything is allocated (no unbounded whole-file reads).
public enum UntrustedFile {
    /// Why a file was refused; `description` names the path and the expectation.
    public struct Refusal: Error, Sendable, CustomStringConvertible, Equatable {
        public enum Kind: Sendable, Equatable { case missing, unreadable, notRegular, tooLarge }
        public let kind: Kind
        public let path: String
        public let detail: String
        public var description: String { "\(path): \(detail)" }
    }

    /// The caps callers use, by what the file is. A file larger than its cap is refused with its size.
    public enum Cap {
        /// Tuned configs, profiles, rule files: JSON a person could read.
        public static let document = 16 << 20
        /// Tuning journals: one line per measured candidate.
        public static let journal = 512 << 20
        /// hwloc XML topologies (a 2-socket, 256-thread machine's XML is ~1 MiB).
        public static let topology = 32 << 20
    }

    /// The kind of file at `path`, from `stat` (no open, never blocks); nil when absent.
    public static func kind(of path: String) -> String? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return kindName(st.st_mode)
    }

    static func kindName(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFREG: return "a regular file"
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        case S_IFLNK: return "a symbolic link"
        default: return "an unknown kind of file"
        }
    }

    /// Checks that `path` is a regular file of at most `cap` bytes, without opening it for reading data.
    /// Returns its size.
    @discardableResult
    public static func check(_ path: String, cap: Int) throws(Refusal) -> Int {
        let fd = try openRegular(path)
        defer { close(fd) }
        return try size(fd, path: path, cap: cap)
    }

    /// The whole file at `path`, at most `cap` bytes, after the checks above.
    public static func read(_ path: String, cap: Int) throws(Refusal) -> [UInt8] {
        let fd = try openRegular(path)
        defer { close(fd) }
        let count = try size(fd, path: path, cap: cap)
        // Read at most cap + 1 bytes: a file that grows while being read is refused, not read unboundedly.
        var bytes = [UInt8](repeating: 0, count: count + 1)
        var got = 0
        while got < bytes.count {
            let n = bytes.withUnsafeMutableBytes { buf in
                sysRead(fd, buf.baseAddress! + got, buf.count - got)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw Refusal(kind: .unreadable, path: path, detail: "cannot read (\(String(cString: strerror(errno))))")
            }
            if n == 0 { break }
            got += n
        }
        guard got <= cap else {
            throw Refusal(kind: .tooLarge, path: path, detail: "grew past \(cap) bytes while being read; refused")
        }
        bytes.removeSubrange(got...)
        return bytes
    }

    private static func sysRead(_ fd: Int32, _ p: UnsafeMutableRawPointer, _ n: Int) -> Int {
        #if canImport(Glibc)
        return Glibc.read(fd, p, n)
        #else
        return Darwin.read(fd, p, n)
        #endif
    }

    private static func openRegular(_ path: String) throws(Refusal) -> Int32 {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else {
            let e = errno
            throw Refusal(kind: e == ENOENT ? .missing : .unreadable, path: path,
                          detail: e == ENOENT ? String(cString: strerror(e)) : "cannot open (\(String(cString: strerror(e))))")
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let e = errno
            close(fd)
            throw Refusal(kind: .unreadable, path: path, detail: "cannot stat (\(String(cString: strerror(e))))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw Refusal(kind: .notRegular, path: path, detail: "is \(kindName(st.st_mode)), expected a regular file")
        }
        // Regular files ignore O_NONBLOCK for reads; clear it anyway so reads behave normally.
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
        return fd
    }

    private static func size(_ fd: Int32, path: String, cap: Int) throws(Refusal) -> Int {
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw Refusal(kind: .unreadable, path: path, detail: "cannot stat (\(String(cString: strerror(errno))))")
        }
        let size = Int(st.st_size)
        guard size >= 0, size <= cap else {
            throw Refusal(kind: .tooLarge, path: path,
                          detail: "is \(size) bytes, more than the \(cap)-byte limit for this kind of file; refused")
        }
        return size
    }
}
