/// One registered kernel family: its contract (typed id, shape grammar, parameter bounds) bound to the
/// kernel library's side of it (structural parameter checks, analytical default, benchmark instance).
///
/// Built from a `KernelFamilyContract` and closures over its typed `Shape`, so a row cannot mix up
/// families; everything that iterates families (bench, tune, configs, the inference plan) uses these rows.
public struct KernelFamily: Sendable {
    public let id: KernelFamilyID
    /// The shape-key grammar, shown in errors and `--help`.
    public let shapeGrammar: String
    /// The contract's parameters and their ranges.
    public let parameters: [ParameterRule]
    private let parseShape: @Sendable (String) throws(KernelError) -> any KernelShape
    private let structural: @Sendable (ParameterSet) -> [String]
    private let seed: @Sendable (any KernelShape, MachineTraits) -> ParameterSet?
    private let build: @Sendable (any KernelShape, WorkerPool, UInt64) throws(KernelError) -> any TunableKernel

    /// A row for contract `C`: `violations` are the kernel's structural rules beyond the contract's
    /// ranges (tile registered, multiples, …), `analyticalDefault` the untuned seed, `make` the
    /// benchmark instance.
    public init<C: KernelFamilyContract>(
        _ contract: C.Type,
        violations: @escaping @Sendable (ParameterSet) -> [String],
        analyticalDefault: @escaping @Sendable (C.Shape, MachineTraits) -> ParameterSet,
        make: @escaping @Sendable (C.Shape, WorkerPool, UInt64) throws(KernelError) -> any TunableKernel
    ) {
        id = C.id
        shapeGrammar = C.Shape.grammar
        parameters = C.parameters
        parseShape = { (key: String) throws(KernelError) -> any KernelShape in try C.Shape(key: key) }
        structural = violations
        seed = { shape, machine in (shape as? C.Shape).map { analyticalDefault($0, machine) } }
        build = { (shape: any KernelShape, pool: WorkerPool, seed: UInt64) throws(KernelError) -> any TunableKernel in
            guard let s = shape as? C.Shape else {
                throw .invalidShape(kernel: C.id.rawValue, reason: "shape '\(shape.key)' belongs to family \(shape.family)")
            }
            return try make(s, pool, seed)
        }
    }

    /// Parses `key` in this family's grammar (every dimension checked).
    public func shape(_ key: String) throws(KernelError) -> any KernelShape { try parseShape(key) }

    /// Everything wrong with `p` for this family: out-of-range or unknown parameters (the contract), then
    /// the kernel's structural rules. Empty when a kernel of this family accepts `p`.
    public func violations(of p: ParameterSet) -> [String] {
        let ranges = parameters.violations(of: p)
        return ranges.isEmpty ? structural(p) : ranges
    }

    /// The analytical default for `shape` (nil when `shape` is another family's).
    public func analyticalDefault(_ shape: any KernelShape, on machine: MachineTraits) -> ParameterSet? {
        seed(shape, machine)
    }

    /// A benchmark instance at `shape`.
    public func instance(_ shape: any KernelShape, pool: WorkerPool, seed: UInt64) throws(KernelError) -> any TunableKernel {
        try build(shape, pool, seed)
    }
}

/// Every kernel family of this build, for `ktune bench`, the tuner and the inference plan. Adding a family
/// is one row here (plus its contract in `Sources/KernelContract/Families`, its folder in `kernels/` and
/// its op mapping in Models' `KernelWorkload`; see docs/architecture.md).
public enum KernelRegistry {
    public static let all: [KernelFamily] = [
        KernelFamily(MatmulContract.self,
                     violations: { MatmulParams.violationsText($0) },
                     analyticalDefault: { s, machine in Matmul.analyticalDefault(m: s.m, n: s.n, k: s.k, on: machine) },
                     make: { (s, pool, seed) throws(KernelError) in try MatmulInstance(s, pool: pool, seed: seed) }),
        KernelFamily(AttentionPrefillContract.self,
                     violations: { PrefillParams.violationsText($0) },
                     analyticalDefault: { s, machine in
                         Attention.analyticalDefaultPrefill(tokens: s.tokens, shape: AttentionShape(s), on: machine) },
                     make: { (s, pool, seed) throws(KernelError) in try AttentionPrefillInstance(s, pool: pool, seed: seed) }),
        KernelFamily(AttentionDecodeContract.self,
                     violations: { DecodeParams.violationsText($0) },
                     analyticalDefault: { s, machine in
                         Attention.analyticalDefaultDecode(length: s.length, shape: AttentionShape(s), on: machine) },
                     make: { (s, pool, seed) throws(KernelError) in try AttentionDecodeInstance(s, pool: pool, seed: seed) }),
        KernelFamily(ExpertGatherContract.self,
                     violations: { ExpertGatherParams.violationsText($0) },
                     analyticalDefault: { s, machine in ExpertGather.analyticalDefault(shape: MoEShape(s), on: machine) },
                     make: { (s, pool, seed) throws(KernelError) in try ExpertGatherInstance(s, pool: pool, seed: seed) }),
        quantRow(QuantMatmulShapeQ8_0.self, .q8_0),
        quantRow(QuantMatmulShapeQ4_0.self, .q4_0),
        quantRow(QuantMatmulShapeQ4_1.self, .q4_1),
        quantRow(QuantMatmulShapeQ5_0.self, .q5_0),
        quantRow(QuantMatmulShapeQ4_K.self, .q4_K),
        quantRow(QuantMatmulShapeQ6_K.self, .q6_K),
        quantRow(QuantMatmulShapeF16.self, .f16),
        quantRow(QuantMatmulShapeBF16.self, .bf16),
    ]

    public static var ids: [KernelFamilyID] { all.map(\.id) }
    /// The ids as text, for help and errors.
    public static var families: [String] { all.map(\.id.rawValue) }

    /// The row of `id`; nil when this build has no such family.
    public static func family(_ id: KernelFamilyID) -> KernelFamily? { all.first { $0.id == id } }

    /// The row named `name` (a config's, journal's or the command line's spelling); throws
    /// `unknownKernel` listing the known families.
    public static func family(named name: String) throws(KernelError) -> KernelFamily {
        guard let f = family(KernelFamilyID(rawValue: name)) else { throw .unknownKernel(name: name, known: families) }
        return f
    }

    /// Builds an instance of `family` for `shape`; errors name the family and the bad field.
    public static func instance(family: KernelFamilyID, shape: String, pool: WorkerPool, seed: UInt64) throws(KernelError) -> any TunableKernel {
        let f = try self.family(named: family.rawValue)
        return try f.instance(f.shape(shape), pool: pool, seed: seed)
    }

    /// The same for a family spelled as text (the command line's or a journal's).
    public static func instance(family name: String, shape: String, pool: WorkerPool, seed: UInt64) throws(KernelError) -> any TunableKernel {
        try instance(family: KernelFamilyID(rawValue: name), shape: shape, pool: pool, seed: seed)
    }

    /// The analytical default of a typed shape, from its family's row (the kernels' seed: what bench,
    /// tune and the inference plan use when nothing is tuned).
    public static func analyticalDefault(_ shape: any KernelShape, on machine: MachineTraits) -> ParameterSet {
        family(shape.family)?.analyticalDefault(shape, on: machine) ?? ParameterSet()
    }
}

/// The violations a typed parameter view reports when its initializer throws, as text lines.
protocol ParameterViolationsText {
    init(_ p: ParameterSet) throws(KernelError)
}

extension ParameterViolationsText {
    static func violationsText(_ p: ParameterSet) -> [String] {
        do {
            _ = try Self(p)
            return []
        } catch {
            switch error {
            case let .invalidParameters(_, _, v): return v
            default: return ["\(error)"]
            }
        }
    }
}

extension KernelRegistry {
    /// The row of one `matmul.<format>` family: contract `QuantMatmulContract<S>`, the quantized kernels'
    /// structural rules, seed and cold-weight benchmark instance for `format` (whose shape type is `S`).
    static func quantRow<S: QuantMatmulShape>(_ shape: S.Type, _ format: QuantFormat) -> KernelFamily {
        KernelFamily(QuantMatmulContract<S>.self,
                     violations: { QuantMatmulParams.violationsText($0) },
                     analyticalDefault: { s, machine in QuantMatmul.analyticalDefault(m: s.m, n: s.n, k: s.k, format: format, on: machine) },
                     make: { (s, pool, seed) throws(KernelError) in try QuantMatmulInstance.make(s, format: format, pool: pool, seed: seed) })
    }
}

extension MatmulParams: ParameterViolationsText {}
extension QuantMatmulParams: ParameterViolationsText {}
extension PrefillParams: ParameterViolationsText {}
extension DecodeParams: ParameterViolationsText {}
extension ExpertGatherParams: ParameterViolationsText {}
