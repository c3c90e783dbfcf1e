/// The registered search strategies: a plain array of types (swift-argument-parser style). Adding a
/// strategy is one file in `Strategies/` and one entry here.
public enum StrategyRegistry {
    public static var all: [any SearchStrategy.Type] { [AdaptiveSearch.self, RandomSearch.self, ExhaustiveSearch.self] }

    /// The strategy `ktune tune` uses unless told otherwise.
    public static let defaultName = AdaptiveSearch.name

    public static var names: [String] { all.map { $0.name } }

    /// Looks `name` up; unknown names are an error listing the known ones.
    public static func strategy(named name: String) throws(TunerError) -> any SearchStrategy.Type {
        guard let s = all.first(where: { $0.name == name }) else {
            throw .unknownStrategy(name: name, known: names)
        }
        return s
    }

    /// Parses `items` (`name=value`) against strategy `name`'s option table: the one place options are
    /// parsed (the command line's, once, into `TuneSettings.options`).
    public static func options(_ name: String, items: [String]) throws(TunerError) -> StrategyOptions {
        try StrategyOptions(strategy: name, table: strategy(named: name).options, items: items)
    }

    /// Builds strategy `name` for `context` with `items` parsed by `options(_:items:)`.
    public static func make(_ name: String, context: StrategyContext, options items: [String]) throws(TunerError) -> any SearchStrategy {
        try make(name, context: context, options: options(name, items: items))
    }

    /// Builds strategy `name` for `context` with already parsed `options`.
    public static func make(_ name: String, context: StrategyContext, options: StrategyOptions) throws(TunerError) -> any SearchStrategy {
        try strategy(named: name).init(context: context, options: options)
    }

    /// Help text generated from the option tables: each strategy, its summary, and its options with type,
    /// default and meaning.
    public static func helpText() -> String {
        var lines: [String] = []
        for s in all {
            lines.append("\(s.name)\(s.name == defaultName ? " (default)" : ""): \(s.summary)")
            let rows = s.options.map { ["  \($0.name)", $0.kind.rawValue, "default \($0.defaultValue)", $0.help] }
            var width = [0, 0, 0]
            for r in rows { for c in 0..<3 { width[c] = max(width[c], r[c].count) } }
            for r in rows {
                let cells = (0..<3).map { r[$0] + String(repeating: " ", count: width[$0] - r[$0].count) }
                lines.append((cells + [r[3]]).joined(separator: "  "))
            }
        }
        return lines.joined(separator: "\n")
    }
}
