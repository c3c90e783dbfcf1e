#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A STREAM-like read-bandwidth figure taken on a worker pool: sums a buffer far larger than the L3
/// with the pool's threads, so `ktune bench` can quote a bandwidth-bound kernel as a fraction of the
/// DRAM bandwidth measured in the same run (interleaved with the kernel, under the same load).
///
/// The buffer (huge pages, like the model's weights) is cut into 1 MiB tasks claimed dynamically; each
/// task reads its chunk with 16 independent 16-lane sums (1 KiB per iteration), so loads, not adds, are
/// the limit. It reads; STREAM's "copy"/"triad" also write, which a decode kernel hardly does.
public final class StreamRead: @unchecked Sendable {
    /// Bytes read by one `run`.
    public let bytes: Int
    private let buffer: UnsafeMutablePointer<Float>
    private let sink: UnsafeMutablePointer<Float>
    static let chunkBytes = 1 << 20

    /// A buffer of `bytes` (rounded up to whole MiB, at least 64 MiB) filled with small values.
    public init(bytes: Int) throws(KernelError) {
        let rounded = (max(64 << 20, bytes) + Self.chunkBytes - 1) / Self.chunkBytes * Self.chunkBytes
        guard rounded <= 1 << 34, let b = LargeBuffer.floats(rounded / 4) else {
            throw .invalidShape(kernel: "stream-read", reason: "cannot allocate a \(rounded)-byte read buffer")
        }
        self.bytes = rounded
        buffer = b
        for i in 0..<(rounded / 4) { b[i] = Float(i & 255) * 1e-3 }
        sink = .allocate(capacity: 64)
        sink.initialize(repeating: 0, count: 64)
    }

    /// Four times the L3 (at least 64 MiB): no level of cache holds a meaningful part of it.
    public convenience init(for machine: MachineTraits) throws(KernelError) {
        try self.init(bytes: 4 * machine.l3Bytes)
    }

    deinit { free(buffer); sink.deallocate() }

    /// Reads the whole buffer once on up to `threads` threads of `pool`.
    public func run(pool: WorkerPool, threads: Int) {
        let tasks = bytes / Self.chunkBytes
        let base = UnsafeRawPointer(buffer), sink = self.sink
        pool.parallelFor(tasks, threads: max(1, threads)) { task, worker in
            let s = Self.sum(base + task * Self.chunkBytes, bytes: Self.chunkBytes)
            sink[(worker & 3) * 16] += s
        }
    }

    @inline(never)
    static func sum(_ p: UnsafeRawPointer, bytes: Int) -> Float {
        typealias V = SIMD16<Float>
        var a = InlineArray<16, V>(repeating: V())
        var q = p
        for _ in 0..<(bytes / 1024) {
            for u in 0..<16 { a[u] += q.load(fromByteOffset: 64 * u, as: V.self) }
            q += 1024
        }
        var s = V()
        for u in 0..<16 { s += a[u] }
        return s.sum()
    }
}
