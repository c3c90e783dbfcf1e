/// Why the tuner refused to start or to continue. Each case says which input is wrong and what was expected.
public enum TunerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `--strategy NAME` names no registered strategy.
    case unknownStrategy(name: String, known: [String])
    /// `--strategy-option name=value` names an option the strategy does not declare.
    case unknownOption(strategy: String, name: String, known: [String])
    /// An option value that does not parse as the declared type or is out of range.
    case badOptionValue(strategy: String, name: String, value: String, expected: String)
    /// A journal whose header does not match this run (machine, tool version or search spaces).
    case journalMismatch(path: String, field: String, found: String, expected: String)
    /// A journal that cannot be read, created or appended to.
    case journalIO(path: String, reason: String)
    /// A bad shape or kernel request on the command line.
    case badRequest(String)
    /// A kernel refused to build an instance or run.
    case kernel(String)
    /// `--worker` with a strategy whose proposals depend on its observations (cannot be planned up front).
    case unsplittableStrategy(name: String, splittable: [String])

    public var description: String {
        switch self {
        case let .unknownStrategy(n, known):
            return "unknown strategy '\(n)'; known strategies: \(known.joined(separator: ", "))"
        case let .unknownOption(s, n, known):
            return "strategy '\(s)' has no option '\(n)'; its options: \(known.isEmpty ? "none" : known.joined(separator: ", "))"
        case let .badOptionValue(s, n, v, e):
            return "strategy '\(s)': option '\(n)' got '\(v)', expected \(e)"
        case let .journalMismatch(p, f, found, expected):
            return "\(p): journal header field '\(f)' is '\(found)', this run has '\(expected)'; refusing to resume (start a new journal without --resume, or pass another --journal)"
        case let .journalIO(p, r): return "\(p): \(r)"
        case let .badRequest(m): return m
        case let .kernel(m): return m
        case let .unsplittableStrategy(n, ok):
            return "strategy '\(n)' chooses each candidate from the previous measurements, so its sweep cannot be split across workers; use --strategy \(ok.joined(separator: " or ")) with --worker"
        }
    }
}
