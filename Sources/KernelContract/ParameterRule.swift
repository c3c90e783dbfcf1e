/// The allowed range of one kernel parameter: the one place a family states its parameter names and
/// bounds. Search spaces stay inside these ranges, and a parameter set read from a file or the command
/// line is checked against them before it reaches a kernel (negative, zero or absurdly large tile,
/// chunk and thread counts are refused, naming the parameter and its range).
public struct ParameterRule: Sendable, Hashable {
    public var name: String
    public var range: ClosedRange<Int>
    public var help: String
    /// What a parameter set without this parameter means, for a parameter added after configs and
    /// journals were written (their entries keep their old meaning instead of being dropped); nil: required.
    public var absent: Int?

    public init(_ name: String, _ range: ClosedRange<Int>, absent: Int? = nil, help: String) {
        self.name = name; self.range = range; self.absent = absent; self.help = help
    }
}

extension Array where Element == ParameterRule {
    /// What is wrong with `p` (empty when every rule holds): a missing parameter, a value out of its
    /// range, or a name no rule declares.
    public func violations(of p: ParameterSet) -> [String] {
        var out: [String] = []
        for rule in self {
            guard let v = p[rule.name] else {
                if rule.absent == nil { out.append("\(rule.name) is missing") }
                continue
            }
            if !rule.range.contains(v) {
                out.append("\(rule.name)=\(v) is outside \(rule.range.lowerBound)...\(rule.range.upperBound)")
            }
        }
        let known = Set(map(\.name))
        for name in p.values.keys.sorted() where !known.contains(name) {
            out.append("unknown parameter '\(name)' (known: \(map(\.name).joined(separator: ", ")))")
        }
        return out
    }
}

/// Bounds shared by every family.
public enum ParameterLimits {
    /// Threads one kernel call may use.
    public static let threads = 1...1024
    /// SIMD width in Float lanes (SSE/NEON 4 … AVX-512 16).
    public static let lanes = 4...16
}
