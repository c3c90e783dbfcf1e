import Models

/// A parsed shape key of a tuned config ("512x576x576", "T=512,past=0,h=9,kv=3,d=64", ...), used to find
/// the nearest tuned bucket for a runtime shape that was not tuned itself.
struct ShapeKey: Equatable, Sendable {
    /// Named dimensions in key order (matmul keys get the names m, n, k).
    var dims: [(name: String, value: Int)]

    static func == (a: ShapeKey, b: ShapeKey) -> Bool {
        a.dims.count == b.dims.count && zip(a.dims, b.dims).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    /// Parses `text` for `family`; nil when malformed.
    init?(family: String, _ text: String) {
        if family.hasPrefix("matmul") {
            let parts = text.split(separator: "x")
            guard parts.count == 3 else { return nil }
            var d: [(String, Int)] = []
            for (name, p) in zip(["m", "n", "k"], parts) {
                guard let v = Int(p), v > 0 else { return nil }
                d.append((name, v))
            }
            dims = d
        } else {
            var d: [(String, Int)] = []
            for item in text.split(separator: ",") {
                let kv = item.split(separator: "=", maxSplits: 1)
                guard kv.count == 2, let v = Int(kv[1]), v >= 0 else { return nil }
                d.append((String(kv[0]), v))
            }
            guard !d.isEmpty else { return nil }
            dims = d
        }
    }

    init(_ kind: KernelWorkload.Kind) {
        let w = KernelWorkload(kind: kind, names: [], callsPerForward: 1)
        self = ShapeKey(family: w.family, w.shapeKey)!   // keys produced by Models always parse
    }

    /// The dimensions that vary at runtime within one model (the bucketed ones); the others must match.
    static func variableDimensions(family: String) -> Set<String> {
        switch family {
        case "attention.prefill": return ["T", "past"]
        case "attention.decode": return ["L"]
        case "expert-gather": return ["T"]
        default: return ["m"]
        }
    }

    /// Distance to `other` in the bucketed dimensions (sum of |log ratio|), or nil when a fixed dimension
    /// differs (then `other` is no bucket for this shape).
    func distance(to other: ShapeKey, family: String) -> Double? {
        guard dims.count == other.dims.count else { return nil }
        let variable = Self.variableDimensions(family: family)
        var d = 0.0
        for (a, b) in zip(dims, other.dims) {
            guard a.name == b.name else { return nil }
            if variable.contains(a.name) {
                d += abs(log(Double(a.value + 1) / Double(b.value + 1)))
            } else if a.value != b.value {
                return nil
            }
        }
        return d
    }

    func value(_ name: String) -> Int? { dims.first { $0.name == name }?.value }
}

#if canImport(Glibc)
import Glibc
#endif
