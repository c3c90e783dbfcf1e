#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Start and end times of every parallel task ("kernel chunk") a `WorkerPool` runs, per worker thread,
/// for the profiler's trace. Each worker writes only its own preallocated buffer, so recording takes two
/// clock reads and no lock; a full buffer drops further chunks (counted in `dropped`) rather than
/// allocating on a worker. Attach with `pool.timeline = ...` while the pool is idle.
public final class ChunkTimeline: @unchecked Sendable {
    /// One task: thread-local start and end (ns, CLOCK_MONOTONIC_RAW like `MonotonicClock`).
    public struct Chunk: Sendable, Equatable {
        public var start: UInt64
        public var end: UInt64
    }

    public let threads: Int
    private let perThread: Int
    private let buffer: UnsafeMutablePointer<Chunk>
    private let counts: UnsafeMutablePointer<Int>
    private let drops: UnsafeMutablePointer<Int>

    /// Room for `capacityPerThread` chunks on each of `threads` threads.
    public init(threads: Int, capacityPerThread: Int = 1 << 18) {
        self.threads = max(1, threads)
        perThread = max(1, capacityPerThread)
        buffer = .allocate(capacity: self.threads * perThread)
        counts = .allocate(capacity: self.threads)
        counts.initialize(repeating: 0, count: self.threads)
        drops = .allocate(capacity: self.threads)
        drops.initialize(repeating: 0, count: self.threads)
    }

    deinit {
        buffer.deallocate(); counts.deallocate(); drops.deallocate()
    }

    @inline(__always)
    static func now() -> UInt64 {
        var ts = timespec()
        #if os(Linux)
        clock_gettime(CLOCK_MONOTONIC_RAW, &ts)
        #else
        clock_gettime(CLOCK_MONOTONIC, &ts)
        #endif
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Runs `body` timed as one chunk of `worker`.
    @inline(__always)
    func run(worker: Int, _ body: () -> Void) {
        let t0 = Self.now()
        body()
        let t1 = Self.now()
        guard worker >= 0 && worker < threads else { return }
        let n = counts[worker]
        if n < perThread {
            buffer[worker * perThread + n] = Chunk(start: t0, end: t1)
            counts[worker] = n + 1
        } else {
            drops[worker] += 1
        }
    }

    /// The chunks `worker` ran, in order.
    public func chunks(worker: Int) -> [Chunk] {
        guard worker >= 0 && worker < threads else { return [] }
        return Array(UnsafeBufferPointer(start: buffer + worker * perThread, count: counts[worker]))
    }

    /// Chunks not recorded because a buffer was full.
    public var dropped: Int { (0..<threads).reduce(0) { $0 + drops[$1] } }

    /// Forgets every chunk (call while the pool is idle).
    public func clear() {
        counts.update(repeating: 0, count: threads)
        drops.update(repeating: 0, count: threads)
    }
}
