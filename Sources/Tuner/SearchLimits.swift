import Kernels

/// How large a sweep may be before anything is enumerated or measured. A search space is a Cartesian
/// product (its value lists come from the machine: threads 1…cores, cache-derived blocks), and a sweep is
/// one space per target (shapes from the command line or a model file), so a request can imply billions of
/// candidates or millions of targets; enumerating them would take hours and gigabytes before the first
/// measurement. Such a request is refused with the number it would need.
public enum SearchLimits {
    /// Points of one space before its constraints are applied (every one is visited by `enumerate`).
    public static let maxCartesianPoints = 1 << 30
    /// Targets (kernel × shape) in one sweep.
    public static let maxTargets = 4096

    /// The number of points of `space` before constraints, or nil when the product overflows `Int`.
    public static func cartesianPoints(_ space: SearchSpace) -> Int? {
        var n = 1
        for p in space.parameters {
            let (r, o) = n.multipliedReportingOverflow(by: max(1, p.values.count))
            if o { return nil }
            n = r
        }
        return n
    }

    /// Throws `.badRequest` naming the target and the number of points when `space` is too large.
    public static func check(_ space: SearchSpace, target: TuneTarget) throws(TunerError) {
        let n = cartesianPoints(space)
        if let n, n <= maxCartesianPoints { return }
        let sizes = space.parameters.filter { $0.values.count > 1 }.map { "\($0.name) \($0.values.count)" }.joined(separator: " × ")
        throw .badRequest("\(target): its search space has \(n.map(String.init) ?? "more than 2^63") candidate combinations (\(sizes)); at most \(maxCartesianPoints) are enumerated (narrow it, e.g. with --threads N)")
    }

    /// Throws `.badRequest` when a sweep has more targets than `maxTargets`.
    public static func check(targets: Int) throws(TunerError) {
        if targets > maxTargets {
            throw .badRequest("the sweep has \(targets) targets (kernel × shape); at most \(maxTargets) are tuned in one run")
        }
    }
}
