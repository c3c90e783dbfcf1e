#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-bandwidth stream over a buffer far larger than the last-level cache, run on the worker pool:
/// the DRAM figure that `ktune bench` measures interleaved with a kernel (the same method as the probe's
/// DRAM read bandwidth: 16 independent 64-byte loads in flight per thread, each thread its own part of
/// the next chunk, chunks taken cyclically so every call reads memory the previous calls evicted).
public final class DRAMStream: @unchecked Sendable {
    public let bufferBytes: Int
    /// Bytes one `run` reads (all threads together).
    public let chunkBytes: Int
    private let buffer: UnsafeMutableRawPointer
    private var offset = 0
    private var sink: Float = 0

    /// `bufferBytes` is rounded up to a whole number of chunks; `chunkBytes` to 64 KiB.
    public init(bufferBytes: Int, chunkBytes: Int = 32 << 20) {
        let chunk = max(1 << 16, (chunkBytes + 0xFFFF) & ~0xFFFF)
        let total = max(chunk, (bufferBytes + chunk - 1) / chunk * chunk)
        var p: UnsafeMutableRawPointer? = nil
        guard posix_memalign(&p, 1 << 21, total) == 0, let p else { fatalError("DRAMStream: cannot allocate \(total) bytes") }
        #if canImport(Glibc)
        _ = madvise(p, total, 14)   // MADV_HUGEPAGE
        #endif
        let floats = p.bindMemory(to: Float.self, capacity: total / 4)
        for i in stride(from: 0, to: total / 4, by: 1) { floats[i] = Float(i & 255) * 1e-3 }
        buffer = p; self.bufferBytes = total; self.chunkBytes = chunk
    }

    deinit { free(buffer) }

    /// Reads the next chunk with `threads` threads of `pool`.
    public func run(pool: WorkerPool, threads: Int) {
        let base = UnsafeRawPointer(buffer + offset)
        let parts = max(1, min(threads, pool.threadCount))
        let per = chunkBytes / parts / 1024 * 1024
        let sums = UnsafeMutablePointer<Float>.allocate(capacity: parts)
        defer { sums.deallocate() }
        pool.parallelFor(parts, threads: parts) { t, _ in
            sums[t] = Self.read(base + t * per, bytes: t == parts - 1 ? chunkBytes - t * per : per)
        }
        for t in 0..<parts { sink += sums[t] }
        offset = (offset + chunkBytes) % bufferBytes
    }

    @inline(never)
    static func read(_ p: UnsafeRawPointer, bytes: Int) -> Float {
        typealias V = SIMD16<Float>
        var a0 = V(), a1 = V(), a2 = V(), a3 = V(), a4 = V(), a5 = V(), a6 = V(), a7 = V()
        var a8 = V(), a9 = V(), a10 = V(), a11 = V(), a12 = V(), a13 = V(), a14 = V(), a15 = V()
        var q = p
        for _ in 0..<(bytes / 1024) {
            a0 += q.load(fromByteOffset: 0, as: V.self); a1 += q.load(fromByteOffset: 64, as: V.self)
            a2 += q.load(fromByteOffset: 128, as: V.self); a3 += q.load(fromByteOffset: 192, as: V.self)
            a4 += q.load(fromByteOffset: 256, as: V.self); a5 += q.load(fromByteOffset: 320, as: V.self)
            a6 += q.load(fromByteOffset: 384, as: V.self); a7 += q.load(fromByteOffset: 448, as: V.self)
            a8 += q.load(fromByteOffset: 512, as: V.self); a9 += q.load(fromByteOffset: 576, as: V.self)
            a10 += q.load(fromByteOffset: 640, as: V.self); a11 += q.load(fromByteOffset: 704, as: V.self)
            a12 += q.load(fromByteOffset: 768, as: V.self); a13 += q.load(fromByteOffset: 832, as: V.self)
            a14 += q.load(fromByteOffset: 896, as: V.self); a15 += q.load(fromByteOffset: 960, as: V.self)
            q += 1024
        }
        let s = (((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))) + (((a8 + a9) + (a10 + a11)) + ((a12 + a13) + (a14 + a15)))
        return horizontalSum(s)
    }
}
