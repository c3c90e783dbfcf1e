import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Serializes redirections of fd 2: two overlapping ones would restore each other's descriptors wrongly.
private let stderrRedirection = Mutex<Void>(())

/// Runs `body` with file descriptor 2 redirected into a temporary file and returns what was written there.
///
/// hwloc (and libxml2 under it) report XML parse errors only on stderr; capturing them lets the error we throw
/// carry hwloc's own reason. Process-wide while it runs: another thread's stderr output in that window is
/// captured too; callers pass captured text back to stderr with `forwardToStderr` when they do not use it, so
/// nothing is lost, only delayed by the few milliseconds of the load.
func withCapturedStderr<T: Sendable>(_ body: () -> T) -> (result: T, stderr: String) {
    stderrRedirection.withLock { _ in capturingStderr(body) }
}

/// Writes `text` to fd 2.
func forwardToStderr(_ text: String) {
    guard !text.isEmpty else { return }
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + offset, $0.count - offset) }
        if n <= 0 { break }
        offset += n
    }
}

private func capturingStderr<T>(_ body: () -> T) -> (result: T, stderr: String) {
    var template = Array("/tmp/ktune-stderr-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else { return (body(), "") }
    let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    defer { close(fd); unlink(path) }
    fflush(nil)
    let saved = dup(2)
    guard saved >= 0 else { return (body(), "") }
    dup2(fd, 2)
    let result = body()
    fflush(nil)
    dup2(saved, 2)
    close(saved)
    var text: [UInt8] = []
    lseek(fd, 0, SEEK_SET)
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4096) }
        if n <= 0 { break }
        text += buffer[0..<n]
    }
    return (result, String(decoding: text, as: UTF8.self))
}
