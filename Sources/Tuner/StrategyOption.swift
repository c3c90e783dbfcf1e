/// One option a search strategy accepts, declared as data (Kernel Tuner's `_options` table): the help text
/// is generated from these declarations and anything not declared is refused.
public struct StrategyOption: Sendable, Hashable {
    /// The value type an option parses to.
    public enum Kind: String, Sendable, Hashable {
        case int, double, bool

        /// What the command line must spell, for error messages and help.
        public var expected: String {
            switch self {
            case .int: return "an integer"
            case .double: return "a number"
            case .bool: return "true or false"
            }
        }
    }

    public var name: String
    public var kind: Kind
    /// The default, in the same text form the command line uses.
    public var defaultValue: String
    public var help: String
    /// Inclusive lower bound for numeric options (nil: unbounded).
    public var minimum: Double?
    /// Inclusive upper bound for numeric options: what the strategy can use at most (a radius past every
    /// value list, a fraction above 1), so an absurd value is refused before it turns into a loop of that
    /// many steps or an integer overflow.
    public var maximum: Double?

    public init(_ name: String, _ kind: Kind, default defaultValue: String, minimum: Double? = nil, maximum: Double? = nil,
                help: String) {
        self.name = name; self.kind = kind; self.defaultValue = defaultValue
        self.minimum = minimum; self.maximum = maximum; self.help = help
    }

    /// Checks that `text` parses as this option's kind and lies within its minimum and maximum.
    func validate(_ text: String, strategy: String) throws(TunerError) {
        func bad(_ expected: String) -> TunerError {
            .badOptionValue(strategy: strategy, name: name, value: text, expected: expected)
        }
        switch kind {
        case .bool:
            guard text == "true" || text == "false" else { throw bad(kind.expected) }
        case .int, .double:
            let number: Double? = kind == .int ? Int(text).map(Double.init) : Double(text)
            guard let number, number.isFinite else { throw bad(kind.expected) }
            func shown(_ x: Double) -> String { kind == .int ? String(Int(x)) : String(x) }
            if let minimum, number < minimum {
                throw bad("\(kind.expected) ≥ \(shown(minimum))" + (maximum.map { " and ≤ \(shown($0))" } ?? ""))
            }
            if let maximum, number > maximum {
                throw bad("\(kind.expected) ≤ \(shown(maximum))" + (minimum.map { " and ≥ \(shown($0))" } ?? ""))
            }
        }
    }
}
