import KernelContract

/// A Linear layer's weight W [rows × cols] = [out features × in features] (the `.nk` layout: y = x·Wᵀ).
///
/// The storage is an enum so that a quantized representation slots in as one more case with its own
/// kernel family (e.g. `.q4_1(QuantizedMatrix)` → a `KernelFamilyID` of its own); the forward pass only calls
/// `KernelRunner.linear`, which dispatches on the case. Today every matrix is dequantized to FP32 at load.
public enum WeightMatrix: Sendable {
    /// FP32, row-major, `cols` contiguous values per row.
    case f32(FloatBuffer, rows: Int, cols: Int)

    public var rows: Int { switch self { case .f32(_, let r, _): return r } }
    public var cols: Int { switch self { case .f32(_, _, let c): return c } }

    /// The kernel family whose tuned parameters apply to this storage.
    public var kernelFamily: KernelFamilyID { switch self { case .f32: return .matmul } }

    /// Bytes held in memory.
    public var bytes: Int { switch self { case .f32(let b, _, _): return b.count * 4 } }

    /// Row `r` as FP32 into `out` (embedding lookup).
    public func copyRow(_ r: Int, into out: UnsafeMutablePointer<Float>) {
        switch self {
        case .f32(let b, _, let c): out.update(from: b.pointer + r * c, count: c)
        }
    }
}
