/// Calls and time per kernel family, accumulated by `KernelRunner` (shown by `generate --stats`).
public struct KernelStats: Sendable {
    public struct Entry: Sendable {
        public var calls = 0
        public var seconds = 0.0
        /// Floating-point operations the calls performed (2·M·N·K for a matmul, ...).
        public var flops = 0.0
    }
    public var byFamily: [String: Entry] = [:]
    /// The same per kernel shape.
    public var byShape: [KernelWorkload.Kind: Entry] = [:]

    public init() {}

    /// GFLOP/s of the matmul calls with at least `minRows` rows — FP32 and quantized families alike (the
    /// prefill products of a prompt, without the output matrix's one-row call); nil when there were none.
    public func matmulGflops(minRows: Int) -> Double? {
        var flops = 0.0, seconds = 0.0
        for (kind, e) in byShape {
            guard case .matmul(let m, _, _) = kind, m >= minRows else { continue }
            flops += e.flops; seconds += e.seconds
        }
        return seconds > 0 ? flops / seconds * 1e-9 : nil
    }

    mutating func record(_ family: String, _ kind: KernelWorkload.Kind, seconds: Double, flops: Double) {
        byFamily[family, default: Entry()].calls += 1
        byFamily[family, default: Entry()].seconds += seconds
        byFamily[family, default: Entry()].flops += flops
        byShape[kind, default: Entry()].calls += 1
        byShape[kind, default: Entry()].seconds += seconds
        byShape[kind, default: Entry()].flops += flops
    }

    /// One line per shape, most time first.
    public var shapeLines: [String] {
        byShape.sorted { $0.value.seconds > $1.value.seconds }.map { kind, e in
            let w = KernelWorkload(kind: kind, names: [], callsPerForward: 1)
            let gf = e.seconds > 0 ? e.flops / e.seconds / 1e9 : 0
            return "  \(w.family) \(w.shapeKey): \(e.calls) calls, \(String(format: "%.3f", e.seconds)) s, \(String(format: "%.1f", gf)) GFLOP/s"
        }
    }

    /// One line per family, most time first.
    public var lines: [String] {
        byFamily.sorted { $0.value.seconds > $1.value.seconds }.map { name, e in
            let gf = e.seconds > 0 ? e.flops / e.seconds / 1e9 : 0
            return "  \(name): \(e.calls) calls, \(String(format: "%.3f", e.seconds)) s, \(String(format: "%.1f", gf)) GFLOP/s"
        }
    }
}

import Foundation
import Models
