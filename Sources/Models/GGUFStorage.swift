import KernelContract
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the bytes of a GGUF file are held in memory.
public enum GGUFResidency: String, Sendable, CaseIterable {
    /// A read-only memory mapping of the file: nothing is copied, pages are read on first use. The pages
    /// are 4 KiB: streaming all the weights once per token costs a TLB miss every 4 KiB, and the
    /// hardware prefetchers stop at every page boundary.
    case mapped
    /// One copy of the file in anonymous memory advised as transparent huge pages (2 MiB), read once at
    /// load (about 10 ms per 100 MB from the page cache). Decode streams every weight once per token, so
    /// 512× fewer pages to walk pays for the copy after a few tokens: measured on SmolLM2-135M Q4_1
    /// decode, 2 threads, Zen 5, +6–10% tokens/s (2026-12-02). Resident memory is the same as a fully
    /// touched mapping (the file's size). Falls back to `mapped` where the kernel offers no transparent
    /// huge pages or the file is more than half of the memory available (`effective(for:)`).
    case hugePages

    /// What this machine gives a file of `bytes` bytes: `hugePages` only where transparent huge pages are
    /// enabled (`always` or `madvise`) and the copy fits comfortably (≤ half of MemAvailable).
    public func effective(for bytes: Int) -> GGUFResidency {
        guard self == .hugePages else { return .mapped }
        #if os(Linux)
        guard let thp = Self.smallText("/sys/kernel/mm/transparent_hugepage/enabled"),
              thp.contains("[always]") || thp.contains("[madvise]") else { return .mapped }
        guard let info = Self.smallText("/proc/meminfo"),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
              let kib = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }),
              bytes <= kib / 2 * 1024 else { return .mapped }
        return .hugePages
        #else
        return .mapped
        #endif
    }

    /// A small kernel text file (at most 4 KiB read; nil if unreadable).
    private static func smallText(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return nil }
        return String(decoding: buf[0..<n], as: UTF8.self)
    }
}

/// The bytes of a GGUF file: a read-only memory mapping of the file, a copy in huge pages, or an owned
/// heap copy (for bytes that never were a file, e.g. tests). Released when the last reference goes.
final class GGUFStorage: @unchecked Sendable {
    let base: UnsafeRawPointer
    let count: Int
    /// How the bytes are held (`hugePages` only when the copy was made).
    let residency: GGUFResidency
    /// Bytes to unmap at the end (the file's size, or the huge-page copy's whole region); 0: heap memory.
    private let mappedLength: Int

    static let hugePage = 2 << 20

    /// Opens `path` (a regular file, checked before reading) and maps it read-only (MAP_PRIVATE), or with
    /// `.hugePages` copies it into huge pages where `GGUFResidency.effective(for:)` allows.
    init(mapping path: String, residency requested: GGUFResidency = .mapped) throws(GGUFError) {
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
        if requested.effective(for: size) == .hugePages, let (copy, length) = Self.hugePageCopy(fd: fd, size: size) {
            base = UnsafeRawPointer(copy)
            count = size
            residency = .hugePages
            mappedLength = length
            return
        }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw GGUFError(.io, field: "file", expected: "mmap to succeed", found: String(cString: strerror(errno)), path: path)
        }
        base = UnsafeRawPointer(p)
        count = size
        residency = .mapped
        mappedLength = size
    }

    /// The whole file read into 2 MiB-aligned anonymous memory advised as huge pages, then made read-only
    /// like the mapping; nil (the caller maps the file instead) if the memory cannot be had, a read fails
    /// or the file ends early. Returns the region and its length (a multiple of 2 MiB).
    private static func hugePageCopy(fd: Int32, size: Int) -> (UnsafeMutableRawPointer, Int)? {
        let (padded, overflow) = size.addingReportingOverflow(2 * hugePage)
        guard !overflow else { return nil }
        let length = (size + hugePage - 1) / hugePage * hugePage
        guard let m = mmap(nil, padded, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), m != MAP_FAILED else { return nil }
        // Keep the 2 MiB-aligned part; give back what is before and after it.
        let start = (Int(bitPattern: m) + hugePage - 1) / hugePage * hugePage
        let head = start - Int(bitPattern: m)
        if head > 0 { munmap(m, head) }
        let tail = padded - head - length
        guard let p = UnsafeMutableRawPointer(bitPattern: start) else { return nil }
        if tail > 0 { munmap(p + length, tail) }
        #if os(Linux)
        _ = madvise(p, length, MADV_HUGEPAGE)   // advice only: without it the copy is in ordinary pages
        #endif
        var done = 0
        while done < size {
            let r = pread(fd, p + done, size - done, off_t(done))
            if r < 0 && errno == EINTR { continue }
            guard r > 0 else { munmap(p, length); return nil }
            done += r
        }
        _ = mprotect(p, length, PROT_READ)
        return (p, length)
    }

    /// Copies `bytes`, zero-padded to `paddedSize` when that is larger.
    init(copying bytes: UnsafeRawBufferPointer, paddedSize: Int) {
        let size = max(1, bytes.count, paddedSize)
        let p = calloc(size, 1)!   // allocation failure of a caller-sized buffer is not input-derived
        if let src = bytes.baseAddress, bytes.count > 0 { memcpy(p, src, bytes.count) }
        base = UnsafeRawPointer(p)
        count = max(bytes.count, paddedSize)
        residency = .mapped
        mappedLength = 0
    }

    deinit {
        if mappedLength > 0 { munmap(UnsafeMutableRawPointer(mutating: base), mappedLength) } else { free(UnsafeMutableRawPointer(mutating: base)) }
    }
}
