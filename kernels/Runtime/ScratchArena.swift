#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Reusable, page-aligned scratch memory for packing buffers, so that steady-state kernel calls do not
/// allocate. It grows to the largest request and is then reused.
///
/// One call holds the main block at a time. An overlapping request (a kernel called from inside another
/// kernel's parallel task — an expert's skinny matmul packing its rows — or from another thread) takes
/// one of a few spare blocks, which also grow to their largest request and are reused; only when every
/// spare is taken does it get a temporary allocation instead of waiting, so nesting never deadlocks.
public final class ScratchArena: @unchecked Sendable {
    private var base: UnsafeMutableRawPointer? = nil
    private var capacity = 0
    private let inUse = Atomic<Bool>(false)
    /// Spare blocks for nested requests (one per worker thread is the common need); bit i of `sparesTaken`
    /// marks spare i as held.
    private static let spareCount = 8
    private let spares: UnsafeMutablePointer<(base: UnsafeMutableRawPointer?, capacity: Int)>
    private let sparesTaken = Atomic<Int>(0)
    /// Alignment of every buffer handed out (a page: packed panels never straddle a line or page start).
    public static let alignment = 4096

    public init() {
        spares = .allocate(capacity: Self.spareCount)
        spares.initialize(repeating: (nil, 0), count: Self.spareCount)
    }

    deinit {
        free(base)
        for i in 0..<Self.spareCount { free(spares[i].base) }
        spares.deallocate()
    }

    /// Runs `body` with at least `bytes` bytes of `alignment`-aligned scratch memory.
    public func withScratch<R, E: Error>(bytes: Int, _ body: (UnsafeMutableRawPointer) throws(E) -> R) throws(E) -> R {
        let size = max(bytes, 64)
        if inUse.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
            defer { inUse.store(false, ordering: .releasing) }
            if size > capacity || base == nil {
                free(base)
                base = Self.allocate(size)
                capacity = size
            }
            return try body(base!)
        }
        var taken = sparesTaken.load(ordering: .relaxed)
        while taken != (1 << Self.spareCount) - 1 {
            let i = (~taken).trailingZeroBitCount
            let (exchanged, now) = sparesTaken.compareExchange(expected: taken, desired: taken | (1 << i), ordering: .acquiring)
            if !exchanged { taken = now; continue }
            defer { sparesTaken.bitwiseAnd(~(1 << i), ordering: .releasing) }
            if size > spares[i].capacity || spares[i].base == nil {
                free(spares[i].base)
                spares[i] = (Self.allocate(size), size)
            }
            return try body(spares[i].base!)
        }
        let temporary = Self.allocate(size)
        defer { free(temporary) }
        return try body(temporary)
    }

    private static func allocate(_ bytes: Int) -> UnsafeMutableRawPointer {
        var p: UnsafeMutableRawPointer? = nil
        let rounded = (bytes + alignment - 1) / alignment * alignment
        guard posix_memalign(&p, alignment, rounded) == 0, let p else {
            fatalError("ScratchArena: cannot allocate \(rounded) bytes")
        }
        return p
    }
}
