/// One point in a kernel's search space: named integer parameters (tile sizes, thread counts, SIMD lanes,
/// enumerated choices encoded as small integers).
///
/// Parameters are kept sorted by name so that equal sets print, hash and serialize identically; the
/// journal and tuned configs refer to candidates by this canonical form.
public struct ParameterSet: Hashable, Codable, Sendable, CustomStringConvertible {
    /// Parameter values keyed by name.
    public private(set) var values: [String: Int]

    public init(_ values: [String: Int] = [:]) { self.values = values }

    /// The value of `name`, or nil when the set does not define it.
    public subscript(name: String) -> Int? {
        get { values[name] }
        set { values[name] = newValue }
    }

    /// The value of `name`; throws a typed error naming the parameter when it is missing.
    public func require(_ name: String, kernel: String) throws(KernelError) -> Int {
        guard let v = values[name] else { throw .missingParameter(kernel: kernel, name: name) }
        return v
    }

    /// Canonical text form, e.g. `kc=256,mc=96,mr=8,nr=32`.
    public var description: String {
        values.keys.sorted().map { "\($0)=\(values[$0]!)" }.joined(separator: ",")
    }

    /// Parses the canonical text form (also accepted on the command line: `--params mr=8,nr=32`).
    public init(parsing text: String) throws(KernelError) {
        var v: [String: Int] = [:]
        for item in text.split(separator: ",") where !item.isEmpty {
            let kv = item.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, let n = Int(kv[1].trimmingWhitespace()) else {
                throw .malformedParameters(text: text, reason: "expected name=integer, got '\(item)'")
            }
            v[String(kv[0].trimmingWhitespace())] = n
        }
        self.values = v
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: DynamicKey.self)
        for k in values.keys.sorted() { try c.encode(values[k]!, forKey: DynamicKey(stringValue: k)) }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: DynamicKey.self)
        var v: [String: Int] = [:]
        for k in c.allKeys { v[k.stringValue] = try c.decode(Int.self, forKey: k) }
        self.values = v
    }

    private struct DynamicKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> Substring {
        var s = self
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return s
    }
}
