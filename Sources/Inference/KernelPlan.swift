import Configs
import Kernels
import Models
import Synchronization

/// The kernel parameters the inference core uses, per kernel family × shape.
///
/// Built from a tuned config (`ktune tune`'s output) or, when there is none or it cannot be used, from the
/// kernels' analytical defaults. A runtime shape the config does not hold (e.g. an attention length during
/// decode) takes the parameters of the nearest tuned bucket of the same family whose other dimensions
/// match; with no such bucket, the analytical default. A foreign-machine or corrupt config never fails:
/// it yields the defaults and a warning. Resolutions are cached, so the hot path is one dictionary lookup.
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
        /// The nearest tuned bucket's parameters (its shape key).
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

    private let tuned: [String: [(key: ShapeKey, text: String, params: ParameterSet)]]
    private struct State {
        var cache: [KernelWorkload.Kind: Resolution] = [:]
        var warnings: [String] = []
    }
    private let state: Mutex<State>

    /// A plan from `config` (nil: analytical defaults) for a pool of `threads` on `machine`.
    public init(config: TunedConfig?, path: String = "", machine: MachineTraits, threads: Int, warnings: [String] = []) {
        var m = machine
        m.cores = max(1, threads)    // analytical defaults use every pool thread
        self.machine = m
        self.threads = max(1, threads)
        var tuned: [String: [(ShapeKey, String, ParameterSet)]] = [:]
        var w = warnings
        if let config {
            for e in config.entries {
                guard let key = ShapeKey(family: e.kernel, e.shape) else {
                    w.append("\(path): entry \(e.kernel) '\(e.shape)' has a malformed shape key; ignored")
                    continue
                }
                tuned[e.kernel, default: []].append((key, e.shape, e.params))
            }
            origin = .tunedConfig(path: path, fingerprint: config.machine.fingerprint, entries: config.entries.count)
        } else {
            origin = .analyticalDefaults
        }
        self.tuned = tuned
        state = Mutex(State(warnings: w))
    }

    /// Loads the tuned config at `path` (nil: analytical defaults). A missing, corrupt, wrong-version or
    /// foreign-machine file (fingerprint ≠ `fingerprint`) gives the defaults and a warning, never an error.
    public static func load(configPath path: String?, fingerprint: String?, machine: MachineTraits, threads: Int) -> KernelPlan {
        guard let path, !path.isEmpty else { return KernelPlan(config: nil, machine: machine, threads: threads) }
        switch TunedConfigFile.load(path, expectingFingerprint: fingerprint) {
        case .loaded(let config):
            return KernelPlan(config: config, path: path, machine: machine, threads: threads)
        case .fallback(let warning):
            return KernelPlan(config: nil, machine: machine, threads: threads, warnings: [warning])
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

    private func compute(_ kind: KernelWorkload.Kind) -> Resolution {
        let fallback = Self.analyticalDefault(kind, machine)
        let w = KernelWorkload(kind: kind, names: [], callsPerForward: 1)
        guard let entries = tuned[w.family], !entries.isEmpty else {
            return Resolution(params: fallback, choice: .analyticalDefault, fallback: fallback)
        }
        let key = ShapeKey(kind)
        var best: (distance: Double, text: String, params: ParameterSet)? = nil
        for e in entries {
            guard let d = key.distance(to: e.key, family: w.family), eligible(e.params, for: kind) else { continue }
            if best == nil || d < best!.distance { best = (d, e.text, e.params) }
        }
        guard let best else { return Resolution(params: fallback, choice: .analyticalDefault, fallback: fallback) }
        var params = best.params
        if let t = params["threads"], t > threads { params["threads"] = threads }   // never more than the pool has
        return Resolution(params: params, choice: best.distance == 0 ? .tuned : .bucket(best.text), fallback: fallback)
    }

    /// A tuned matmul choice on the skinny path (path = 1) only applies to shapes with few rows.
    private func eligible(_ p: ParameterSet, for kind: KernelWorkload.Kind) -> Bool {
        if case let .matmul(m, _, _) = kind, p["path"] == 1 { return m <= Matmul.skinnyMaxRows }
        return true
    }

    /// The kernels' analytical seed for `kind` on `machine`.
    public static func analyticalDefault(_ kind: KernelWorkload.Kind, _ machine: MachineTraits) -> ParameterSet {
        switch kind {
        case let .matmul(m, n, k):
            return Matmul.analyticalDefault(m: m, n: n, k: k, on: machine)
        case let .attentionPrefill(t, _, h, kv, d):
            return Attention.analyticalDefaultPrefill(tokens: t, shape: AttentionShape(heads: h, kvHeads: kv, headDim: d), on: machine)
        case let .attentionDecode(l, h, kv, d):
            return Attention.analyticalDefaultDecode(length: l, shape: AttentionShape(heads: h, kvHeads: kv, headDim: d), on: machine)
        case let .expertGather(t, h, f, e, k):
            return ExpertGather.analyticalDefault(shape: MoEShape(tokens: t, hidden: h, ffn: f, experts: e, topK: k), on: machine)
        }
    }

    /// One line per workload: family, shape, choice and parameters (for `--stats` / `--show-plan`).
    public func describe(_ workloads: [KernelWorkload]) -> [String] {
        workloads.map { w in
            let r = resolve(w.kind)
            return "  \(w.family) \(w.shapeKey) [\(w.names.joined(separator: ","))]: \(r.choice) \(r.params)"
        }
    }

    /// Counts of tuned / bucketed / default choices over `workloads`.
    public func summary(_ workloads: [KernelWorkload]) -> String {
        var t = 0, b = 0, d = 0
        for w in workloads {
            switch resolve(w.kind).choice {
            case .tuned: t += 1
            case .bucket: b += 1
            case .analyticalDefault: d += 1
            }
        }
        return "plan: \(origin); \(workloads.count) shapes: \(t) tuned, \(b) from nearest bucket, \(d) analytical default"
    }
}
