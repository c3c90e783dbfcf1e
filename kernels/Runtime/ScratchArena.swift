#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Reusable, page-aligned scratch memory for packing buffers, so that steady-state kernel calls do not
/// allocate. It grows to the largest request and is then reused.
///
/// One call holds it at a time. A second, overlapping request (a kernel called from inside another
/// kernel's parallel task, or from another thread) gets a temporary allocation instead of waiting, so
/// nesting never deadlocks; it only costs an allocation.
public final class ScratchArena: @unchecked Sendable {
    private var base: UnsafeMutableRawPointer? = nil
    private var capacity = 0
    private let inUse = Atomic<Bool>(false)
    /// Alignment of every buffer handed out (a page: packed panels never straddle a line or page start).
    public static let alignment = 4096

    public init() {}

    deinit { free(base) }

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
