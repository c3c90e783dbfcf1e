#if canImport(Glibc)
import Glibc
#endif

/// An owned, aligned FP32 buffer: weights, activations and caches. A class so large arrays are shared,
/// never copied, and freed exactly once.
///
/// Buffers of 2 MiB and more are 2 MiB-aligned and advised as transparent huge pages (`MADV_HUGEPAGE`):
/// decode streams all ~540 MB of weights per token, and 4 KiB pages cost a TLB miss every 1024 floats.
public final class FloatBuffer: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    static let hugePage = 2 << 20

    /// A zero-filled buffer of `count` floats.
    public init(count: Int) {
        self.count = max(count, 0)
        let bytes = max(self.count, 1) * 4
        let alignment = bytes >= Self.hugePage ? Self.hugePage : 64
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: alignment)
        #if os(Linux)
        if alignment == Self.hugePage {
            // Advice only: failure (THP disabled) leaves ordinary pages.
            _ = madvise(raw, (bytes + Self.hugePage - 1) / Self.hugePage * Self.hugePage, MADV_HUGEPAGE)
        }
        #endif
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        pointer = raw.bindMemory(to: Float.self, capacity: max(self.count, 1))
    }

    /// A buffer holding a copy of `values`.
    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }

    /// The contents as an array (tests, small vectors).
    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}
