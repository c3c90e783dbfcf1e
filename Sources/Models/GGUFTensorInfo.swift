/// One tensor's description from the GGUF header: name, shape, element type and where its data lies.
/// Construction is validated by `GGUFFile`: dimensions are ≥ 1, sizes cannot overflow and the data lies
/// inside the file.
public struct GGUFTensorInfo: Sendable, Equatable {
    public var name: String
    /// ggml order: `dimensions[0]` is the contiguous (fastest) dimension, i.e. a row's length.
    public var dimensions: [Int]
    public var type: GGUFTensorType
    /// Offset from the start of the tensor-data section.
    public var offset: Int
    /// Bytes of data.
    public var byteCount: Int

    public var elementCount: Int { dimensions.reduce(1, *) }
    /// Number of rows of `dimensions[0]` values.
    public var rowCount: Int { elementCount / dimensions[0] }
    /// Bytes of one row.
    public var rowBytes: Int { dimensions[0] / type.blockElements * type.blockBytes }
}
