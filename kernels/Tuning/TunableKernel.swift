/// The contract between the kernel library and everything that measures it (`ktune bench`, the tuner).
///
/// A conforming type is one *benchmark instance*: one kernel family at one problem shape, with its
/// operands allocated and filled once. The tuner asks it for its search space and analytical default,
/// verifies a candidate against the family's reference, then times `run` repeatedly.
public protocol TunableKernel: AnyObject {
    /// The family's typed id (configs and journals spell its raw value).
    static var family: KernelFamilyID { get }

    /// Human-readable shape, stable across runs ("1x4096x4096"); the shape-bucket key in tuned configs.
    var shapeKey: String { get }

    /// The space of parameter sets for this shape on `machine`.
    func searchSpace(on machine: MachineTraits) -> SearchSpace

    /// The analytical seed (BLIS model for matmul): the untuned default the inference core uses.
    func analyticalDefault(on machine: MachineTraits) -> ParameterSet

    /// Runs the kernel once with `params` on the instance's operands. Throws before doing any work when
    /// `params` is invalid for this shape.
    func run(_ params: ParameterSet) throws(KernelError)

    /// Runs with `params` and compares with the reference implementation.
    func verify(_ params: ParameterSet) throws(KernelError) -> Verification

    /// Floating-point operations of one `run` (multiply and add counted separately).
    var flops: Double { get }
    /// Minimum bytes one `run` must move from memory (operands read once, results written once).
    var bytes: Double { get }

    /// Whether `run` streams its weights from memory (`cold`) or reuses cached operands (`hot`).
    var condition: WeightCondition { get }
}

extension TunableKernel {
    public var condition: WeightCondition { .hot }
}

/// The outcome of comparing a candidate's output with the reference.
public struct Verification: Sendable, Codable, Equatable {
    /// Largest |candidate − reference| / (|reference| + 1) over all outputs.
    public var maxError: Double
    /// The bound the family states for this shape (grows with the reduction length).
    public var bound: Double
    public var passed: Bool { maxError <= bound && maxError.isFinite }

    public init(maxError: Double, bound: Double) {
        self.maxError = maxError
        self.bound = bound
    }
}
