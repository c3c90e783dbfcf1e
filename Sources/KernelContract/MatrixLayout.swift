/// How the right-hand operand B of a matmul is stored (both row-major).
public enum MatrixLayout: String, Sendable, Codable, CaseIterable {
    /// B is [K × N] (BLAS layout): element (k, n) at `b[k·ldb + n]`.
    case kn
    /// B is [N × K] (a Linear layer's weight W, so C = A·Wᵀ): element (k, n) at `b[n·ldb + k]`.
    case nk
}
