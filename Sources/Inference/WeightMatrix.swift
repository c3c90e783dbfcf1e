import Kernels
import KernelContract

/// A Linear layer's weight W [rows × cols] = [out features × in features] (the `.nk` layout: y = x·Wᵀ).
///
/// The forward pass only calls `KernelRunner.linear`, which dispatches on the case to the kernel family
/// of the storage: FP32 → "matmul", GGUF blocks → "matmul.<format>" (e.g. "matmul.q4_k").
public enum WeightMatrix: Sendable {
    /// FP32, row-major, `cols` contiguous values per row (synthetic models, F32 tensors).
    case f32(FloatBuffer, rows: Int, cols: Int)
    /// GGUF block bytes read in place from the memory-mapped file by the quantized matmul kernels; never
    /// dequantized as a whole (the embedding dequantizes the rows it looks up).
    case quantized(QuantizedMatrix)

    public var rows: Int {
        switch self {
        case .f32(_, let r, _): return r
        case .quantized(let q): return q.rows
        }
    }

    public var cols: Int {
        switch self {
        case .f32(_, _, let c): return c
        case .quantized(let q): return q.cols
        }
    }

    /// The kernel family whose tuned parameters apply to this storage.
    public var kernelFamily: KernelFamilyID {
        switch self {
        case .f32: return .matmul
        case .quantized(let q): return KernelRunner.familyID(q.format)
        }
    }

    /// Bytes held (FP32) or mapped (blocks).
    public var bytes: Int {
        switch self {
        case .f32(let b, _, _): return b.count * 4
        case .quantized(let q): return q.byteCount
        }
    }

    /// Whether the weights are kept in a GGUF block format.
    public var isQuantized: Bool {
        if case .quantized = self { return true }
        return false
    }

    /// Row `r` as FP32 into `out` (embedding lookup).
    public func copyRow(_ r: Int, into out: UnsafeMutablePointer<Float>) {
        switch self {
        case .f32(let b, _, let c): out.update(from: b.pointer + r * c, count: c)
        case .quantized(let q): q.dequantizeRow(r, into: out)
        }
    }
}
