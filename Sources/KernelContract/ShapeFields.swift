/// The `name=value,name=value` grammar of the attention and expert-gather shape keys, with errors that
/// name the family, the key and the bad or missing field.
public enum ShapeFields {
    /// The values of exactly `fields` (any order, each once, each a non-negative integer no larger than
    /// `limit`), plus any of `optional` (absent: its default value).
    public static func parse(_ text: String, family: KernelFamilyID, fields: [String], optional: [String: Int] = [:],
                             limit: Int = ShapeLimits.dimension) throws(KernelError) -> [String: Int] {
        var out: [String: Int] = [:]
        let grammar = (fields.map { "\($0)=N" } + optional.keys.sorted().map { "[,\($0)=N]" }).joined(separator: ",")
        let kernel = family.rawValue
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let kv = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard kv.count == 2 else {
                throw .invalidShape(kernel: kernel, reason: "shape '\(text)': '\(item)' is not name=value (expected \(grammar))")
            }
            let name = String(kv[0])
            guard fields.contains(name) || optional[name] != nil else {
                throw .invalidShape(kernel: kernel, reason: "shape '\(text)': unknown field '\(name)' (expected \(grammar))")
            }
            guard out[name] == nil else {
                throw .invalidShape(kernel: kernel, reason: "shape '\(text)': field '\(name)' appears twice")
            }
            guard let value = Int(kv[1]), value >= 0, value <= limit else {
                throw .invalidShape(kernel: kernel, reason: "shape '\(text)': field '\(name)' must be an integer in 0...\(limit), got '\(kv[1])'")
            }
            out[name] = value
        }
        for f in fields where out[f] == nil {
            throw .invalidShape(kernel: kernel, reason: "shape '\(text)': field '\(f)' is missing (expected \(grammar))")
        }
        for (f, value) in optional where out[f] == nil { out[f] = value }
        return out
    }

    /// `field` of `values`, which `parse` guarantees is present.
    static func value(_ values: [String: Int], _ field: String) -> Int { values[field] ?? 0 }
}

/// Upper bounds on shape dimensions: large enough for any model ktune runs, small enough that products of
/// a few dimensions never overflow `Int` and a typo never becomes a terabyte allocation.
public enum ShapeLimits {
    /// Any one dimension (tokens, rows, features, heads): 2²⁴.
    public static let dimension = 1 << 24
    /// Elements of one operand: 2³¹.
    public static let operandElements = 1 << 31
}
