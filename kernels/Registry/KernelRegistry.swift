/// How to build a benchmark instance of one kernel family from a shape key.
public struct KernelFamily: Sendable {
    /// Family id ("matmul", "attention.prefill", ...).
    public let name: String
    /// The shape-key grammar, shown in errors and `--help`.
    public let shapeGrammar: String
    public let make: @Sendable (_ shape: String, _ pool: WorkerPool, _ seed: UInt64) throws(KernelError) -> any TunableKernel

    public init(name: String, shapeGrammar: String,
                make: @escaping @Sendable (String, WorkerPool, UInt64) throws(KernelError) -> any TunableKernel) {
        self.name = name
        self.shapeGrammar = shapeGrammar
        self.make = make
    }
}

/// Every tunable kernel family, for `ktune bench` and the tuner. Registering a family is one line in
/// `all`; everything that iterates families (bench, tune, configs) picks it up.
public enum KernelRegistry {
    public static let all: [KernelFamily] = [
        KernelFamily(name: Matmul.family, shapeGrammar: "MxNxK (B as [N×K] weight) or MxNxK/kn, e.g. 1x576x576") {
            shape, pool, seed throws(KernelError) in try MatmulInstance(shapeKey: shape, pool: pool, seed: seed) },
        KernelFamily(name: Attention.prefillFamily, shapeGrammar: "T=N,past=N,h=N,kv=N,d=N, e.g. T=512,past=0,h=9,kv=3,d=64") {
            shape, pool, seed throws(KernelError) in try AttentionPrefillInstance(shapeKey: shape, pool: pool, seed: seed) },
        KernelFamily(name: Attention.decodeFamily, shapeGrammar: "L=N,h=N,kv=N,d=N, e.g. L=512,h=9,kv=3,d=64") {
            shape, pool, seed throws(KernelError) in try AttentionDecodeInstance(shapeKey: shape, pool: pool, seed: seed) },
        KernelFamily(name: ExpertGather.family, shapeGrammar: "T=N,h=N,f=N,e=N,k=N, e.g. T=128,h=512,f=256,e=64,k=6") {
            shape, pool, seed throws(KernelError) in try ExpertGatherInstance(shapeKey: shape, pool: pool, seed: seed) },
    ] + QuantMatmulInstance.families

    public static var families: [String] { all.map(\.name) }

    /// Builds an instance of `family` for `shape`; errors name the family and the bad field.
    public static func instance(family: String, shape: String, pool: WorkerPool, seed: UInt64) throws(KernelError) -> any TunableKernel {
        guard let f = all.first(where: { $0.name == family }) else {
            throw .unknownKernel(name: family, known: families)
        }
        return try f.make(shape, pool, seed)
    }
}
