/// Parses shape keys of the form `name=value,name=value` (attention and expert-gather families), with
/// errors that name the family, the key and the bad or missing field.
enum ShapeKey {
    /// The values of exactly `fields` (any order, each once, each a non-negative integer).
    static func parse(_ text: String, family: String, fields: [String]) throws(KernelError) -> [String: Int] {
        var out: [String: Int] = [:]
        let grammar = fields.map { "\($0)=N" }.joined(separator: ",")
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let kv = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard kv.count == 2 else {
                throw .invalidShape(kernel: family, reason: "shape '\(text)': '\(item)' is not name=value (expected \(grammar))")
            }
            let name = String(kv[0])
            guard fields.contains(name) else {
                throw .invalidShape(kernel: family, reason: "shape '\(text)': unknown field '\(name)' (expected \(grammar))")
            }
            guard out[name] == nil else {
                throw .invalidShape(kernel: family, reason: "shape '\(text)': field '\(name)' appears twice")
            }
            guard let value = Int(kv[1]), value >= 0 else {
                throw .invalidShape(kernel: family, reason: "shape '\(text)': field '\(name)' must be a non-negative integer, got '\(kv[1])'")
            }
            out[name] = value
        }
        for f in fields where out[f] == nil {
            throw .invalidShape(kernel: family, reason: "shape '\(text)': field '\(f)' is missing (expected \(grammar))")
        }
        return out
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Operand buffers (huge pages from 2 MiB, see `LargeBuffer`) filled with deterministic values in [−1, 1) (SplitMix64), shared by the
/// attention and expert-gather benchmark instances.
final class OperandBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int, random: inout SplitMix64, fill: Bool = true) {
        self.count = count
        guard let p = LargeBuffer.floats(count) else { fatalError("cannot allocate \(count) floats of operands") }
        pointer = p
        for i in 0..<count { pointer[i] = fill ? random.symmetric() : 0 }
    }

    deinit { free(pointer) }

}
