import Configs
import Kernels
import Models
import Synchronization

/// The kernel parameters the inference core uses, per kernel family × shape.
///
/// Built from a tuned config (`ktune tune`'s output) or, when there is none or it cannot be used, from the
/// kernels' analytical defaults. A runtime shape the config does not hold takes the entry of its own
/// bucket (the contract's `KernelShape.bucket`: same fixed dimensions, runtime dimensions in the same
/// power-of-two bucket); with no entry in its bucket, the analytical default — never a far bucket's
/// parameters. A foreign-machine or corrupt config never fails: it yields the defaults and a warning.
/// An entry of an unknown family, with a shape key that does not parse, or with parameters outside the
/// family's contract is dropped with a warning naming the file and the entry. Resolutions are cached, so
/// the hot path is one dictionary lookup.
public final class KernelPlan: Sendable {
    /// Where the plan's parameters come from.
    public enum Origin: Sendable, Equatable, CustomStringConvertible {
        case analyticalDefaults
        case tunedConfig(path: String, fingerprint: String, entries: Int)

        public var description: String {
            switch self {
            case .analyticalDefaults: return "analytical defaults"
            case let .tunedConfig(p, fp, n): return "tuned config \(p) (machine \(fp), \(n) entries)"
            }
        }
    }

    /// How one shape's parameters were chosen.
    public enum Choice: Sendable, Equatable, CustomStringConvertible {
        case tuned
        /// The parameters of the tuned entry in this shape's bucket (that entry's shape key).
        case bucket(String)
        case analyticalDefault

        public var description: String {
            switch self {
            case .tuned: return "tuned"
            case .bucket(let k): return "bucket \(k)"
            case .analyticalDefault: return "default"
            }
        }
    }

    public struct Resolution: Sendable {
        public var params: ParameterSet
        public var choice: Choice
        /// The default for the same shape (used when a tuned choice is rejected by the kernel).
        public var fallback: ParameterSet
    }

    public let origin: Origin
    /// Why a config was not used, or which tuned entries were rejected.
    public var warnings: [String] { state.withLock { $0.warnings } }
    public let machine: MachineTraits
    /// Threads of the pool the plan is for (parameters never ask for more).
    public let threads: Int

    /// Usable tuned entries by family and exact shape key, and by family and bucket key.
    private let exact: [KernelFamilyID: [String: ParameterSet]]
    private let byBucket: [KernelFamilyID: [String: (key: String, params: ParameterSet)]]
    /// A matmul call of a family the op mapping does not name (the quantized ones, "matmul.q4_k", ...).
    struct FamilyCall: Hashable {
        var family: KernelFamilyID
        var m: Int, n: Int, k: Int
    }
    private struct State {
        var familyCache: [FamilyCall: Resolution] = [:]
        var cache: [KernelWorkload.Kind: Resolution] = [:]
        var warnings: [String] = []
    }
    private let state: Mutex<State>

    /// A plan from `config` (nil: analytical defaults) for a pool of `threads` on `machine`.
    /// How the quantized matmuls treat their activations on the decode path.
    public enum Activations: String, Sendable, Equatable {
        /// As the plan's parameters say (`act`: int8 where the analytical default or the tuned entry
        /// picks it: per-32-value rounding, ~1–5% of the logits' range on SmolLM2 after 30 layers).
        case planned
        /// Always FP32 (`act` = 1): the logits of the dequantized model to FP32 rounding.
        case fp32
    }
    /// See `Activations`.
    public let activations: Activations

    public init(config: TunedConfig?, path: String = "", machine: MachineTraits, threads: Int, warnings: [String] = [],
                activations: Activations = .planned) {
        self.activations = activations
        var m = machine
        m.cores = max(1, threads)    // analytical defaults use every pool thread
        self.machine = m
        self.threads = max(1, threads)
        var exact: [KernelFamilyID: [String: ParameterSet]] = [:]
        var byBucket: [KernelFamilyID: [String: (key: String, params: ParameterSet)]] = [:]
        var w = warnings
        if let config {
            for (i, e) in config.entries.enumerated() {
                switch Self.check(e) {
                case .failure(let reason):
                    w.append("\(path): entry [\(i)] (\(e.kernel) '\(e.shape)'): \(reason); the analytical default is used for its shapes")
                case .success(let shape):
                    exact[shape.family, default: [:]][shape.key] = e.params
                    let b = shape.bucketKey
                    // An entry tuned at the bucket's representative wins over another entry of the same bucket.
                    if byBucket[shape.family]?[b] == nil || shape.key == b {
                        byBucket[shape.family, default: [:]][b] = (shape.key, e.params)
                    }
                }
            }
            origin = .tunedConfig(path: path, fingerprint: config.machine.fingerprint, entries: config.entries.count)
        } else {
            origin = .analyticalDefaults
        }
        self.exact = exact
        self.byBucket = byBucket
        state = Mutex(State(warnings: w))
    }

    /// Loads the tuned config at `path` (nil: analytical defaults). A missing, corrupt, wrong-version or
    /// foreign-machine file (fingerprint ≠ `fingerprint`) gives the defaults and a warning, never an error.
    /// The fingerprint check is never skipped: with no fingerprint (this machine could not be probed) a
    /// config is refused with a warning.
    public static func load(configPath path: String?, fingerprint: String?, machine: MachineTraits, threads: Int,
                            activations: Activations = .planned) -> KernelPlan {
        guard let path, !path.isEmpty else { return KernelPlan(config: nil, machine: machine, threads: threads, activations: activations) }
        guard let fingerprint, !fingerprint.isEmpty else {
            return KernelPlan(config: nil, machine: machine, threads: threads,
                              warnings: ["\(path): refused, this machine could not be probed so its fingerprint cannot be checked; using analytical defaults"],
                              activations: activations)
        }
        switch TunedConfigFile.load(path, expectingFingerprint: fingerprint) {
        case .loaded(let config):
            return KernelPlan(config: config, path: path, machine: machine, threads: threads, activations: activations)
        case .fallback(let warning):
            return KernelPlan(config: nil, machine: machine, threads: threads, warnings: [warning], activations: activations)
        }
    }

    /// The parameters for `kind`.
    public func resolve(_ kind: KernelWorkload.Kind) -> Resolution {
        if let r = state.withLock({ $0.cache[kind] }) { return r }
        let r = compute(kind)
        state.withLock { $0.cache[kind] = r }
        return r
    }

    /// Records that the kernel rejected a tuned choice; later calls for `kind` use the default.
    func reject(_ kind: KernelWorkload.Kind, error: KernelError) {
        state.withLock { s in
            guard var r = s.cache[kind], r.choice != .analyticalDefault else { return }
            let w = KernelWorkload(kind: kind, names: [], callsPerForward: 1)
            s.warnings.append("\(w.family) \(w.shapeKey): \(r.choice) parameters \(r.params) rejected (\(error)); using the analytical default")
            r.params = r.fallback
            r.choice = .analyticalDefault
            s.cache[kind] = r
        }
    }

    /// The parameters for an M×N×K matmul call of `call.family` (a quantized matmul family, whose shape
    /// keys are "MxNxK" like the FP32 matmul's, M bucketed): the tuned entry of that key, else of its
    /// bucket, else `analyticalDefault()`. Cached per call shape.
    func resolve(_ call: FamilyCall, analyticalDefault: () -> ParameterSet) -> Resolution {
        if let r = state.withLock({ $0.familyCache[call] }) { return r }
        let fallback = analyticalDefault()
        var r = Resolution(params: fallback, choice: .analyticalDefault, fallback: fallback)
        let key = "\(call.m)x\(call.n)x\(call.k)", bucket = "\(Bucket.of(call.m))x\(call.n)x\(call.k)"
        if let p = exact[call.family]?[key] {
            r = Resolution(params: p, choice: .tuned, fallback: fallback)
        } else if let b = byBucket[call.family]?[bucket] {
            r = Resolution(params: b.params, choice: .bucket(b.key), fallback: fallback)
        }
        if let t = r.params["threads"], t > threads { r.params["threads"] = threads }
        if activations == .fp32 { r.params["act"] = 1; r.fallback["act"] = 1 }
        state.withLock { $0.familyCache[call] = r }
        return r
    }

    /// Records that the kernel rejected a tuned choice for `call`; later calls use the default.
    func reject(_ call: FamilyCall, error: KernelError) {
        state.withLock { s in
            guard var r = s.familyCache[call], r.choice != .analyticalDefault else { return }
            s.warnings.append("\(call.family) \(call.m)x\(call.n)x\(call.k): \(r.choice) parameters \(r.params) rejected (\(error)); using the analytical default")
            r.params = r.fallback
            r.choice = .analyticalDefault
            s.familyCache[call] = r
        }
    }

    /// Why entry `e` cannot be used, or its typed shape: the family must be registered, the key must
    /// parse in the family's grammar and the parameters must satisfy the family's contract and structural
    /// rules.
    static func check(_ e: TunedConfig.Entry) -> Result<any KernelShape, EntryProblem> {
        let family: KernelFamily
        let shape: any KernelShape
        do {
            family = try KernelRegistry.family(named: e.kernel)
        } catch {
            return .failure(EntryProblem("unknown kernel family '\(e.kernel)' (known: \(KernelRegistry.families.joined(separator: ", ")))"))
        }
        do {
            shape = try family.shape(e.shape)
        } catch {
            return .failure(EntryProblem("shape key does not parse: \(error)"))
        }
        let bad = family.violations(of: e.params)
        if !bad.isEmpty {
            return .failure(EntryProblem("parameters \(e.params) rejected: \(bad.joined(separator: "; "))"))
        }
        return .success(shape)
    }

    /// Why a config entry was dropped (text for the warning).
    struct EntryProblem: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    private func compute(_ kind: KernelWorkload.Kind) -> Resolution {
        let fallback = Self.analyticalDefault(kind, machine)
        guard let shape = kind.shape else {
            return Resolution(params: fallback, choice: .analyticalDefault, fallback: fallback)
        }
        var found: (params: ParameterSet, choice: Choice)?
        if let p = exact[shape.family]?[shape.key] {
            found = (p, .tuned)
        } else if let b = byBucket[shape.family]?[shape.bucketKey] {
            found = (b.params, .bucket(b.key))
        }
        guard let found, eligible(found.params, for: kind) else {
            return Resolution(params: fallback, choice: .analyticalDefault, fallback: fallback)
        }
        var params = found.params
        if let t = params["threads"], t > threads { params["threads"] = threads }   // never more than the pool has
        return Resolution(params: params, choice: found.choice, fallback: fallback)
    }

    /// A tuned matmul choice on the skinny path (path = 1) only applies to shapes with few rows.
    private func eligible(_ p: ParameterSet, for kind: KernelWorkload.Kind) -> Bool {
        if case let .matmul(m, _, _) = kind, p["path"] == 1 { return m <= Matmul.skinnyMaxRows }
        return true
    }

    /// The kernels' analytical seed for `kind` on `machine` (the family's registry row; an empty set,
    /// which every kernel rejects, for a shape outside the contract's bounds).
    public static func analyticalDefault(_ kind: KernelWorkload.Kind, _ machine: MachineTraits) -> ParameterSet {
        guard let shape = kind.shape else { return ParameterSet() }
        return KernelRegistry.analyticalDefault(shape, on: machine)
    }

    /// One line per workload: family, shape, choice and parameters (for `--stats` / `--show-plan`).
    public func describe(_ workloads: [KernelWorkload]) -> [String] {
        workloads.map { w in
            let r = resolve(w.kind)
            return "  \(w.family) \(w.shapeKey) [\(w.names.joined(separator: ","))]: \(r.choice) \(r.params)"
        }
    }

    /// Counts of tuned / same-bucket / default choices over `workloads`.
    public func summary(_ workloads: [KernelWorkload]) -> String {
        var t = 0, b = 0, d = 0
        for w in workloads {
            switch resolve(w.kind).choice {
            case .tuned: t += 1
            case .bucket: b += 1
            case .analyticalDefault: d += 1
            }
        }
        return "plan: \(origin); \(workloads.count) shapes: \(t) tuned, \(b) from their bucket's entry, \(d) analytical default"
    }
}
