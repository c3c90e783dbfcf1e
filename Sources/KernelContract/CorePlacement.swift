/// One kind of core of a machine as the kernel library sees it (hwloc cpukinds): a name, hwloc's
/// efficiency rank and the cores of that kind (hwloc logical indexes, what the pool binds threads to).
public struct CoreKindSlot: Hashable, Codable, Sendable {
    /// hwloc's CoreType ("IntelCore", "IntelAtom"), else "kind N"; "core" on a machine with one kind.
    public var name: String
    /// 0 = most energy-efficient kind, higher = faster; nil when hwloc does not rank the kinds.
    public var efficiency: Int?
    /// hwloc logical indexes of this kind's cores.
    public var cores: [Int]

    public init(name: String, efficiency: Int?, cores: [Int]) {
        self.name = name; self.efficiency = efficiency; self.cores = cores
    }
}

/// Which cores a worker pool's threads go on, and in what order: thread 0 (the caller) takes the first core
/// of the order, worker i the (i+1)-th. A kernel run with `threads = t` uses the first t threads, so on a
/// hybrid machine the order decides "how many of each kind" a thread count means: fastest first (the
/// default), `threads ≤ P-cores` runs on P-cores only and each thread beyond adds an E-core.
///
/// Per-kind limits (`IntelCore:4,IntelAtom:2`) restrict the order to that many cores of each named kind (kinds
/// not named are left out), for placements the thread count alone cannot express (E-cores only, 4 P + 2 E).
public struct CorePlacement: Hashable, Codable, Sendable, CustomStringConvertible {
    public enum Order: String, Codable, Sendable {
        /// Most performant kind first (hwloc's highest efficiency rank): P-cores, then E-cores.
        case fastestFirst = "fastest-first"
        /// Most energy-efficient kind first: E-cores, then P-cores.
        case efficientFirst = "efficient-first"
    }

    public var order: Order
    /// At most this many cores of each named kind, in `order`; nil: every core of every kind.
    public var limits: [String: Int]?

    public init(order: Order = .fastestFirst, limits: [String: Int]? = nil) {
        self.order = order; self.limits = limits
    }

    /// P-cores first, every core: the default.
    public static let fastestFirst = CorePlacement()

    /// Reads "fastest-first", "efficient-first", or per-kind counts "IntelCore:4,IntelAtom:2" (fastest first,
    /// only the named kinds). Throws a message naming the text and the expected forms.
    public init(parsing text: String) throws(KernelError) {
        if let o = Order(rawValue: text) { self.init(order: o); return }
        var limits: [String: Int] = [:]
        for part in text.split(separator: ",") {
            let kv = part.split(separator: ":")
            guard kv.count == 2, let n = Int(kv[1]), n >= 0, !kv[0].isEmpty else {
                throw .invalidParameters(kernel: "placement", params: text, violations: [
                    "expected fastest-first, efficient-first or KIND:COUNT[,KIND:COUNT...] (e.g. IntelCore:4,IntelAtom:2)"])
            }
            limits[String(kv[0])] = n
        }
        guard !limits.isEmpty else {
            throw .invalidParameters(kernel: "placement", params: text, violations: ["no kind named"])
        }
        self.init(order: .fastestFirst, limits: limits)
    }

    public var description: String {
        guard let limits else { return order.rawValue }
        return limits.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
    }

    /// The kinds in this placement's order: by efficiency rank (descending for fastest first) when every
    /// kind is ranked, else hwloc's order.
    public func ordered(_ kinds: [CoreKindSlot]) -> [CoreKindSlot] {
        guard kinds.allSatisfy({ $0.efficiency != nil }) else { return kinds }
        let up = kinds.enumerated().sorted { ($0.element.efficiency ?? 0, $0.offset) < ($1.element.efficiency ?? 0, $1.offset) }
            .map(\.element)
        return order == .fastestFirst ? up.reversed() : up
    }

    /// The cores threads take, in order; a core listed by two kinds (cores straddling kinds) only once.
    public func cores(_ kinds: [CoreKindSlot]) -> [Int] {
        var seen = Set<Int>()
        var out: [Int] = []
        for k in ordered(kinds) {
            let take = limits.map { $0[k.name] ?? 0 } ?? k.cores.count
            for c in k.cores.prefix(max(0, take)) where seen.insert(c).inserted { out.append(c) }
        }
        return out
    }

    /// How many threads of each kind `threads` threads of this placement use: [("IntelCore", 6), ("IntelAtom", 2)].
    public func threadsPerKind(_ threads: Int, kinds: [CoreKindSlot]) -> [(kind: String, threads: Int)] {
        let order = cores(kinds).prefix(max(0, threads))
        return ordered(kinds).compactMap { k in
            let n = order.filter { k.cores.contains($0) }.count
            return n > 0 ? (k.name, n) : nil
        }
    }

    /// "IntelCore ×6 + IntelAtom ×2 (fastest-first)": what a tuned config records.
    public func summary(threads: Int, kinds: [CoreKindSlot]) -> String {
        threadsPerKind(threads, kinds: kinds).map { "\($0.kind) ×\($0.threads)" }.joined(separator: " + ")
            + " (\(description))"
    }
}
