/// Per-layer key and value caches: `capacity` rows of [kvHeads × headDim] (one row per position), the
/// layout the attention kernels read.
public final class KVCache: @unchecked Sendable {
    public let capacity: Int
    public let rowSize: Int
    public let keys: [FloatBuffer]
    public let values: [FloatBuffer]

    public init(layers: Int, capacity: Int, kvHeads: Int, headDim: Int) {
        self.capacity = capacity
        rowSize = kvHeads * headDim
        keys = (0..<layers).map { _ in FloatBuffer(count: capacity * kvHeads * headDim) }
        values = (0..<layers).map { _ in FloatBuffer(count: capacity * kvHeads * headDim) }
    }

    /// Bytes held.
    public var bytes: Int { 2 * keys.count * capacity * rowSize * 4 }
}
