#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A monotonic nanosecond clock for timing kernels (CLOCK_MONOTONIC_RAW where available: not slewed by NTP).
public enum MonotonicClock {
    /// Nanoseconds since an arbitrary, fixed origin.
    @inline(__always)
    public static func nanoseconds() -> UInt64 {
        var ts = timespec()
        #if os(Linux)
        clock_gettime(CLOCK_MONOTONIC_RAW, &ts)
        #else
        clock_gettime(CLOCK_MONOTONIC, &ts)
        #endif
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Seconds taken by `body`.
    @inline(__always)
    public static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let t0 = nanoseconds()
        try body()
        return Double(nanoseconds() &- t0) * 1e-9
    }
}
