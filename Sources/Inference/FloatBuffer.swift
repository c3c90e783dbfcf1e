/// An owned, 64-byte-aligned FP32 buffer: weights, activations and caches. A class so large arrays are
/// shared, never copied, and freed exactly once.
public final class FloatBuffer: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    /// A zero-filled buffer of `count` floats.
    public init(count: Int) {
        self.count = max(count, 0)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(self.count, 1) * 4, alignment: 64)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: max(self.count, 1) * 4)
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
