#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `body` with file descriptor 2 redirected into a temporary file and returns what was written there.
///
/// hwloc (and libxml2 under it) report XML parse errors only on stderr; capturing them lets the error we throw
/// carry hwloc's own reason. Process-wide while it runs: another thread's stderr output in that window is
/// captured too (and then shown as part of the reason), which is acceptable for the short load it wraps.
func withCapturedStderr<T>(_ body: () -> T) -> (result: T, stderr: String) {
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
