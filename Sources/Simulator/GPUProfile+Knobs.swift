import Foundation

extension GPUProfile {
    /// The knobs `--set name=value` may change, with their units.
    public static let knobs: [(name: String, meaning: String)] = [
        ("nvlink", "NVLink GB/s per GPU, both directions"), ("pcie", "PCIe GB/s per GPU, both directions"),
        ("nic", "NIC Gb/s per GPU"), ("hbm", "HBM bandwidth TB/s"), ("hbmGB", "HBM capacity GB"),
        ("fp64", "dense FP64 TFLOP/s"), ("tf32", "dense TF32 TFLOP/s"), ("bf16", "dense BF16 TFLOP/s"),
        ("fp8", "dense FP8 TFLOP/s"), ("int8", "dense INT8 TOPS"),
        ("compute", "scale every dense peak by this factor"), ("die", "die area mm²"), ("tdp", "power W"),
        ("gpusPerNode", "GPUs per NVLink domain"), ("sms", "streaming multiprocessors"), ("clock", "sustained clock fraction"), ("gemmEff", "GEMM efficiency fraction"),
        ("attentionEff", "attention efficiency fraction"), ("hbmEff", "sustained HBM fraction"),
        ("nvlinkEff", "achievable NVLink fraction"), ("networkEff", "achievable NIC fraction"),
        ("trainingEff", "training efficiency fraction"),
    ]

    /// Parses "name=value" settings.
    public static func parseSettings(_ items: [String]) throws(SimulatorError) -> [(String, Double)] {
        var out: [(String, Double)] = []
        for item in items {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else {
                throw .invalidValue(field: "--set", value: item, expected: "name=value, e.g. nvlink=200")
            }
            guard let v = Double(parts[1]), v.isFinite, v >= 0 else {
                throw .invalidValue(field: "--set \(parts[0])", value: parts[1], expected: "a finite non-negative number")
            }
            out.append((parts[0], v))
        }
        return out
    }

    /// A hypothetical GPU: this profile with knobs changed. The id records the changes
    /// ("h800-sxm+nvlink=200") and `derivedFrom` the base.
    public func applying(_ settings: [(String, Double)]) throws(SimulatorError) -> GPUProfile {
        guard !settings.isEmpty else { return self }
        var g = self
        for (name, v) in settings {
            // Rates and sizes must be positive and physical (nvlink 0 = no NVLink, PCIe between GPUs; a
            // dtype peak of 0 = no such unit); nothing may reach the arithmetic as 0 or 1e300.
            let limits: [String: (min: Double, max: Double)] = [
                "nvlink": (0, 1e6), "pcie": (1e-3, 1e6), "nic": (1e-3, 1e7), "hbm": (1e-3, 1e4), "hbmGB": (1e-3, 1e6),
                "fp64": (0, 1e6), "tf32": (0, 1e6), "bf16": (1e-3, 1e6), "fp8": (0, 1e6), "int8": (0, 1e6),
                "compute": (1e-3, 1e3), "die": (1, 1e6), "tdp": (1, 1e6), "gpusPerNode": (1, 1e5), "sms": (1, 1e5),
            ]
            // A knob that may be 0 ("none") is otherwise at least 0.001: 1e-300 GB/s is not a link, it is a
            // step time of 10^300 ms printed as a result.
            if let l = limits[name], !(v >= l.min && v <= l.max) || (l.min == 0 && v > 0 && v < 1e-3) {
                throw .invalidValue(field: "--set \(name)", value: GPUProfile.trim(v),
                                    expected: l.min == 0 ? "0 (none) or 0.001 to \(GPUProfile.trim(l.max))"
                                                         : "a positive number from \(GPUProfile.trim(l.min)) to \(GPUProfile.trim(l.max))")
            }
            func fraction(_ x: Double) throws(SimulatorError) -> Double {
                guard x > 0 && x <= 1 else { throw .invalidValue(field: "--set \(name)", value: "\(x)", expected: "a fraction in (0, 1]") }
                return x
            }
            switch name {
            case "nvlink": g.nvlinkGBps = v
            case "pcie": g.pcieGBps = v
            case "nic": g.nicGbpsPerGPU = v
            case "hbm": g.hbmTBps = v
            case "hbmGB": g.hbmGB = v
            case "fp64": g.denseTFLOPS.fp64 = v > 0 ? v : nil
            case "tf32": g.denseTFLOPS.tf32 = v > 0 ? v : nil
            case "bf16": g.denseTFLOPS.bf16 = v
            case "fp8": g.denseTFLOPS.fp8 = v > 0 ? v : nil
            case "int8": g.denseTFLOPS.int8 = v > 0 ? v : nil
            case "compute":
                g.denseTFLOPS = DenseTFLOPS(fp64: g.denseTFLOPS.fp64.map { $0 * v }, tf32: g.denseTFLOPS.tf32.map { $0 * v },
                                            bf16: g.denseTFLOPS.bf16.map { $0 * v }, fp8: g.denseTFLOPS.fp8.map { $0 * v },
                                            int8: g.denseTFLOPS.int8.map { $0 * v })
            case "die": g.dieAreaMM2 = v
            case "tdp": g.tdpW = v
            case "gpusPerNode":
                guard v >= 1, v == v.rounded() else { throw .invalidValue(field: name, value: "\(v)", expected: "a positive integer") }
                g.gpusPerNode = Int(v)
            case "sms":
                guard v == v.rounded() else { throw .invalidValue(field: name, value: "\(v)", expected: "a positive integer") }
                g.sms = Int(v)
            case "clock": g.efficiency.clock = try fraction(v)
            case "gemmEff": g.efficiency.gemm = try fraction(v)
            case "attentionEff": g.efficiency.attention = try fraction(v)
            case "hbmEff": g.efficiency.hbm = try fraction(v)
            case "nvlinkEff": g.efficiency.nvlink = try fraction(v)
            case "networkEff": g.efficiency.network = try fraction(v)
            case "trainingEff": g.efficiency.training = try fraction(v)
            default: throw .unknownKnob(name, known: GPUProfile.knobs.map(\.name))
            }
        }
        let suffix = settings.map { "\($0.0)=\(GPUProfile.trim($0.1))" }.joined(separator: ",")
        g.derivedFrom = id
        g.id = id + "+" + suffix
        g.name = name + " (hypothetical: " + suffix + ")"
        return g
    }

    static func trim(_ v: Double) -> String {
        String(format: "%g", v)
    }
}
