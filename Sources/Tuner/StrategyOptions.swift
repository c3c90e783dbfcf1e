/// The option values one strategy runs with: its declared defaults overridden by `name=value` items from
/// the command line, each checked against the declaration table.
public struct StrategyOptions: Sendable, Equatable {
    /// The strategy these options belong to (named in errors).
    public let strategy: String
    private var values: [String: String]

    /// Parses `items` (each `name=value`) against `table`; unknown names and ill-typed values are errors.
    public init(strategy: String, table: [StrategyOption], items: [String]) throws(TunerError) {
        self.strategy = strategy
        var values: [String: String] = [:]
        for option in table { values[option.name] = option.defaultValue }
        for item in items {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw .badOptionValue(strategy: strategy, name: item, value: item, expected: "name=value")
            }
            guard let option = table.first(where: { $0.name == parts[0] }) else {
                throw .unknownOption(strategy: strategy, name: parts[0], known: table.map(\.name))
            }
            try option.validate(parts[1], strategy: strategy)
            values[option.name] = parts[1]
        }
        self.values = values
    }

    /// The declared defaults of strategy `name` (none when it is not registered).
    static func defaults(_ name: String) -> StrategyOptions {
        (try? StrategyRegistry.options(name, items: [])) ?? StrategyOptions(strategy: name, values: [:])
    }

    private init(strategy: String, values: [String: String]) {
        self.strategy = strategy
        self.values = values
    }

    /// The integer value of a declared option (0 if the name is not declared: a programming error that
    /// the option tables' tests catch).
    public func int(_ name: String) -> Int { values[name].flatMap { Int($0) } ?? 0 }

    public func double(_ name: String) -> Double { values[name].flatMap { Double($0) } ?? 0 }

    public func bool(_ name: String) -> Bool { values[name] == "true" }

    /// The options as `name=value` text, sorted, for the journal and output.
    public var description: String {
        values.keys.sorted().map { "\($0)=\(values[$0] ?? "")" }.joined(separator: ",")
    }
}
