import Kernels
import Models

/// Why the inference core could not load a model or run a step.
public enum InferenceError: Error, CustomStringConvertible {
    case model(GGUFError)
    case kernel(KernelError)
    /// A tensor whose shape is not the one the architecture requires.
    case tensorShape(name: String, expected: [Int], found: [Int])
    /// The context (prompt + generated tokens) would exceed the KV cache.
    case contextFull(needed: Int, capacity: Int)
    case invalidToken(Int32, vocabulary: Int)
    /// A requested context longer than the model's trained context (`<arch>.context_length`).
    case contextTooLong(requested: Int, supported: Int, file: String, field: String)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .model(let e): return "\(e)"
        case .kernel(let e): return "kernel: \(e)"
        case let .tensorShape(n, e, f): return "tensor '\(n)': expected dimensions \(e), found \(f)"
        case let .contextFull(n, c): return "context of \(n) tokens exceeds the KV cache capacity of \(c)"
        case let .invalidToken(t, v): return "token id \(t) outside the vocabulary of \(v)"
        case let .contextTooLong(r, s, f, k): return "\(f): a context of \(r) tokens exceeds the model's \(k) = \(s)"
        case .invalidArgument(let s): return s
        }
    }
}
