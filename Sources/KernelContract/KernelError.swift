/// Why a kernel refused to run. Raised before any work is done, so a bad shape or parameter set never
/// reaches a hot loop.
public enum KernelError: Error, Equatable, Sendable, CustomStringConvertible {
    case missingParameter(kernel: String, name: String)
    case malformedParameters(text: String, reason: String)
    /// A parameter set that breaks a search-space constraint (e.g. MC not a multiple of MR).
    case invalidParameters(kernel: String, params: String, violations: [String])
    /// Operand shapes that do not fit together or are empty.
    case invalidShape(kernel: String, reason: String)
    /// A SIMD width or instruction the CPU lacks.
    case unsupported(kernel: String, reason: String)
    case unknownKernel(name: String, known: [String])

    public var description: String {
        switch self {
        case let .missingParameter(k, n): return "\(k): parameter '\(n)' is missing"
        case let .malformedParameters(t, r): return "cannot parse parameters '\(t)': \(r)"
        case let .invalidParameters(k, p, v): return "\(k): parameters \(p) violate: \(v.joined(separator: "; "))"
        case let .invalidShape(k, r): return "\(k): invalid shape: \(r)"
        case let .unsupported(k, r): return "\(k): unsupported: \(r)"
        case let .unknownKernel(n, known): return "unknown kernel '\(n)'; known: \(known.joined(separator: ", "))"
        }
    }
}
