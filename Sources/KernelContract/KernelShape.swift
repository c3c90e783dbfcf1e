/// The typed shape of one kernel family: what a tuned-config entry, a journal line and a runtime call
/// agree on. Each conforming type is one family's shape grammar, in one place.
///
/// - `key` is the canonical text form; `init(key:)` parses it (and checks every dimension, so a shape
///   that parses is one the kernel can be asked to run) and `init(key:).key == key` for canonical keys.
/// - `bucket` maps the dimensions that vary at run time within one model (tokens, rows, cache length) to
///   their bucket's representative (`Bucket.of`), keeping the fixed ones (features, heads). A tuned entry
///   applies to a runtime shape exactly when their buckets are equal: never a far bucket's parameters.
/// - `flops` and `bytes` are one call's floating-point operations (multiply and add counted separately)
///   and the minimum bytes it must move (operands read once, results written once).
public protocol KernelShape: Hashable, Sendable, CustomStringConvertible {
    static var family: KernelFamilyID { get }
    /// The key grammar, shown in errors and `--help`, e.g. "MxNxK (B as [N×K] weight) or MxNxK/kn".
    static var grammar: String { get }
    init(key: String) throws(KernelError)
    var key: String { get }
    var bucket: Self { get }
    var flops: Double { get }
    var bytes: Double { get }
}

extension KernelShape {
    public var family: KernelFamilyID { Self.family }
    public var description: String { key }
    /// The canonical key of this shape's bucket.
    public var bucketKey: String { bucket.key }
}

/// Shape buckets of the runtime-varying dimensions: powers of two. Bucket B holds the values in
/// (B/2, B]: 1, 2, 3–4, 5–8, …, 33–64, …, 257–512, … (0 is its own bucket). The tuner tunes at a
/// bucket's representative B, and a runtime value takes the entry of its own bucket or none.
public enum Bucket {
    /// The representative of `value`'s bucket: the smallest power of two ≥ `value` (0 for 0).
    public static func of(_ value: Int) -> Int {
        guard value > 1 else { return max(0, value) }
        var b = 1
        while b < value && b < ShapeLimits.dimension { b <<= 1 }
        return b
    }

    /// The bucket representatives covering 1...`maximum`, e.g. of(upTo: 40) = [1, 2, 4, 8, 16, 32, 64].
    public static func representatives(upTo maximum: Int) -> [Int] {
        var out: [Int] = []
        var b = 1
        while b < of(maximum) { out.append(b); b <<= 1 }
        out.append(of(max(1, maximum)))
        return out
    }
}
