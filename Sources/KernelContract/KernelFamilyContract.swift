/// One kernel family's contract: its id, its typed shape and its parameters' names and bounds. Declared
/// in this leaf target (one file in `Families/`) so that every target — Kernels, Models, Configs,
/// Inference, Tuner, the CLI — speaks the same types; the kernel library adds the analytical default,
/// the search space, the benchmark instance and the reference next to the kernel, and registers the
/// family in `KernelRegistry`.
public protocol KernelFamilyContract: Sendable {
    associatedtype Shape: KernelShape
    /// Every parameter the family's kernels read, with its allowed range.
    static var parameters: [ParameterRule] { get }
}

extension KernelFamilyContract {
    public static var id: KernelFamilyID { Shape.family }

    /// Range violations of `p` (empty when it is within the contract's bounds).
    public static func violations(of p: ParameterSet) -> [String] { parameters.violations(of: p) }
}
