import KernelContract
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of a GGUF file: a read-only memory mapping of the file, or an owned heap copy (for bytes
/// that never were a file, e.g. tests). Unmapped or freed when the last reference goes.
final class GGUFStorage: @unchecked Sendable {
    let base: UnsafeRawPointer
    let count: Int
    private let isMapped: Bool

    /// Maps `path` read-only (MAP_PRIVATE): tensor data is paged in on first use, never copied.
    init(mapping path: String) throws(GGUFError) {
        // O_NONBLOCK: opening a FIFO must not block waiting for a writer (the type is checked just below).
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            throw GGUFError(.io, field: "file", expected: "a readable file", found: String(cString: strerror(errno)), path: path)
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw GGUFError(.io, field: "file", expected: "fstat to succeed", found: String(cString: strerror(errno)), path: path)
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw GGUFError(.io, field: "file", expected: "a regular file", found: UntrustedFile.kind(of: path) ?? "another kind of file", path: path)
        }
        let size = Int(st.st_size)
        guard size > 0 else {
            throw GGUFError(.truncated, field: "header.magic", offset: 0, expected: "at least 24 bytes", found: "an empty file", path: path)
        }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw GGUFError(.io, field: "file", expected: "mmap to succeed", found: String(cString: strerror(errno)), path: path)
        }
        base = UnsafeRawPointer(p)
        count = size
        isMapped = true
    }

    /// Copies `bytes`, zero-padded to `paddedSize` when that is larger.
    init(copying bytes: UnsafeRawBufferPointer, paddedSize: Int) {
        let size = max(1, bytes.count, paddedSize)
        let p = calloc(size, 1)!   // allocation failure of a caller-sized buffer is not input-derived
        if let src = bytes.baseAddress, bytes.count > 0 { memcpy(p, src, bytes.count) }
        base = UnsafeRawPointer(p)
        count = max(bytes.count, paddedSize)
        isMapped = false
    }

    deinit {
        if isMapped { munmap(UnsafeMutableRawPointer(mutating: base), count) } else { free(UnsafeMutableRawPointer(mutating: base)) }
    }
}
