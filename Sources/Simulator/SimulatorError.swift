import Foundation
import Models

/// Why an estimate cannot be made. Impossible requests are reported, never clamped.
public enum SimulatorError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A profile file problem (unknown id, malformed file).
    case profile(ProfileError)
    /// The parallel layout cannot run this model on these GPUs (the reason says which rule broke).
    case impossibleLayout(String)
    /// The weights plus the KV cache of the requested batch exceed HBM.
    case doesNotFit(neededGB: Double, availableGB: Double, maxBatch: Int, detail: String)
    /// The GPU has no throughput figure for the requested dtype.
    case unsupportedDtype(gpu: String, dtype: String)
    /// `--set` names an unknown knob; `known` lists the valid ones.
    case unknownKnob(String, known: [String])
    /// A flag or knob value is out of range or unparsable.
    case invalidValue(field: String, value: String, expected: String)

    public var description: String {
        switch self {
        case .profile(let e): return e.description
        case .impossibleLayout(let why): return "impossible layout: \(why)"
        case let .doesNotFit(needed, available, maxBatch, detail):
            return "does not fit in HBM: needs \(fmt(needed)) GB per GPU, \(fmt(available)) GB usable (\(detail)); "
                + (maxBatch > 0 ? "the largest batch that fits is \(maxBatch)" : "not even batch 1 fits")
        case let .unsupportedDtype(gpu, dtype): return "\(gpu) has no \(dtype) throughput figure"
        case let .unknownKnob(name, known): return "unknown knob '\(name)'; known knobs: \(known.joined(separator: ", "))"
        case let .invalidValue(field, value, expected): return "\(field): '\(value)' is not valid; expected \(expected)"
        }
    }

    private func fmt(_ x: Double) -> String { String(format: "%.1f", x) }
}
