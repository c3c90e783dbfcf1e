#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the running CPU can execute, read once from the OS. Kernels check a parameter set's SIMD width
/// against it before any work, so a tuned config copied from a wider machine fails with a typed error
/// instead of an illegal instruction.
public enum HostCPU {
    /// The widest SIMD width in Float lanes: 16 with AVX-512F, 8 with AVX/AVX2, otherwise 4.
    public static let maxSIMDLanes: Int = {
        #if arch(x86_64)
        let flags = cpuFlags()
        if flags.contains("avx512f") { return 16 }
        if flags.contains("avx2") || flags.contains("avx") { return 8 }
        return 4
        #else
        return 4
        #endif
    }()

    /// Logical CPUs online.
    public static var onlineCPUs: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// The `flags` line of /proc/cpuinfo as a set (empty when unreadable).
    static func cpuFlags() -> Set<Substring> {
        guard let f = fopen("/proc/cpuinfo", "r") else { return [] }
        defer { fclose(f) }
        var line: UnsafeMutablePointer<CChar>? = nil
        var cap = 0
        defer { free(line) }
        while getline(&line, &cap, f) > 0 {
            guard let line else { break }
            let text = String(cString: line)
            if text.hasPrefix("flags") {
                guard let colon = text.firstIndex(of: ":") else { continue }
                return Set(text[text.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\n" }))
            }
        }
        return []
    }
}
