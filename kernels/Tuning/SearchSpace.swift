/// A tunable parameter: its name, the values the tuner may try, and what it means.
public struct Parameter: Sendable {
    public var name: String
    public var values: [Int]
    public var help: String

    public init(_ name: String, _ values: [Int], help: String = "") {
        self.name = name
        self.values = values
        self.help = help
    }
}

/// A typed predicate over parameter sets, e.g. "mc is a multiple of mr" or "kc·nr·4 bytes fit in half of L1".
///
/// The description is stable text: it takes part in the search-space hash that journals carry, so
/// changing a constraint invalidates old journals on purpose.
public struct Constraint: Sendable {
    public var description: String
    public var holds: @Sendable (ParameterSet) -> Bool

    public init(_ description: String, _ holds: @escaping @Sendable (ParameterSet) -> Bool) {
        self.description = description
        self.holds = holds
    }
}

/// The parameters of one kernel for one shape on one machine, with the constraints that valid
/// combinations must satisfy. Declared by each kernel family next to its code.
public struct SearchSpace: Sendable {
    public var kernel: String
    public var parameters: [Parameter]
    public var constraints: [Constraint]

    public init(kernel: String, parameters: [Parameter], constraints: [Constraint]) {
        self.kernel = kernel
        self.parameters = parameters
        self.constraints = constraints
    }

    /// The constraints `p` violates (empty when valid); also checks each value is one the space offers.
    public func violations(of p: ParameterSet) -> [String] {
        var out: [String] = []
        for param in parameters {
            guard let v = p[param.name] else { out.append("\(param.name) is missing"); continue }
            if !param.values.contains(v) { out.append("\(param.name)=\(v) is not one of \(param.values)") }
        }
        for c in constraints where !c.holds(p) { out.append(c.description) }
        return out
    }

    public func isValid(_ p: ParameterSet) -> Bool { violations(of: p).isEmpty }

    /// Number of points in the Cartesian product, before constraints.
    public var cartesianSize: Int { parameters.reduce(1) { $0 * max(1, $1.values.count) } }

    /// Every valid point, in a deterministic order. Prunes as soon as a partial assignment can be checked
    /// (constraints are evaluated on complete sets only, so this is a plain filtered product).
    public func enumerate() -> [ParameterSet] {
        var out: [ParameterSet] = []
        var current = ParameterSet()
        func rec(_ i: Int) {
            if i == parameters.count {
                if constraints.allSatisfy({ $0.holds(current) }) { out.append(current) }
                return
            }
            for v in parameters[i].values {
                current[parameters[i].name] = v
                rec(i + 1)
            }
        }
        rec(0)
        return out
    }

    /// Stable text describing the space (names, values, constraint descriptions), hashed into journals.
    public var signature: String {
        var s = "kernel=\(kernel);"
        for p in parameters { s += "\(p.name)=\(p.values.map(String.init).joined(separator: "|"));" }
        for c in constraints { s += "c:\(c.description);" }
        return s
    }
}
