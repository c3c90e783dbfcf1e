import Foundation
import Models

/// One GPU model as the simulator sees it (`profiles/gpus/<id>.json`): dense peaks, memory,
/// interconnect, die area and power, plus the achievable fractions the roofline uses. Every number in
/// the file carries its source in `sources` (keyed by field name).
public struct GPUProfile: Codable, Sendable, Equatable {
    /// Dense (no sparsity) peak throughput in TFLOP/s (TOPS for int8) per dtype; nil where the chip has
    /// no such unit or no public figure exists.
    public struct DenseTFLOPS: Codable, Sendable, Equatable {
        public var fp64: Double?
        public var tf32: Double?
        public var bf16: Double?
        public var fp8: Double?
        public var int8: Double?
    }

    /// Fractions of the nominal peaks that real kernels and links sustain (stated assumptions).
    public struct Efficiency: Codable, Sendable, Equatable {
        /// Sustained clock under tensor-core load / the boost clock the peaks assume (H800: ~1600 of
        /// 1830 MHz, 865 of 990 TFLOPS per FlashMLA).
        public var clock: Double
        /// Large GEMMs, fraction of the clock-throttled dense peak of their dtype.
        public var gemm: Double
        /// Attention kernels, fraction of the clock-throttled BF16 dense peak.
        public var attention: Double
        /// Sustained HBM bandwidth / nominal.
        public var hbm: Double
        /// Achievable NVLink bandwidth per direction / nominal per direction.
        public var nvlink: Double
        /// Achievable NIC bandwidth / line rate.
        public var network: Double
        /// Training: fraction of each op's nominal dtype peak sustained over a whole training run (bubbles,
        /// exposed communication, recomputation and stalls included).
        public var training: Double
    }

    public var id: String
    public var name: String
    public var denseTFLOPS: DenseTFLOPS
    /// HBM capacity (GB, 10⁹ bytes).
    public var hbmGB: Double
    /// HBM bandwidth (TB/s).
    public var hbmTBps: Double
    /// NVLink bandwidth per GPU, both directions together (GB/s); 0 if none.
    public var nvlinkGBps: Double
    /// Host PCIe bandwidth per GPU, both directions together (GB/s).
    public var pcieGBps: Double
    /// Scale-out NIC line rate per GPU (Gb/s).
    public var nicGbpsPerGPU: Double
    /// GPUs in one NVLink domain / node.
    public var gpusPerNode: Int
    /// Streaming multiprocessors (GEMM tiles are spread over them in waves).
    public var sms: Int
    /// GPU generation ("hopper", "ampere", "blackwell"): the calibration applies as measured on its own
    /// architecture and is extrapolated on others.
    public var architecture: String
    /// Die area in mm² (for the export rules' performance density).
    public var dieAreaMM2: Double
    /// Board power (W).
    public var tdpW: Double
    public var efficiency: Efficiency
    /// One-way latency of a transfer over NVLink and over the network (µs).
    public var nvlinkLatencyUs: Double
    public var networkLatencyUs: Double
    /// Source of every number, keyed by field name ("denseTFLOPS.bf16", "efficiency.gemm", ...).
    public var sources: [String: String]
    /// Set for hypothetical chips: the base profile and the changed knobs.
    public var derivedFrom: String?

    /// Dense peak FLOP/s for a dtype name ("fp64", "tf32", "bf16", "fp16", "fp8", "int8", "fp32" → tf32).
    public func peakFLOPS(_ dtype: String) -> Double? {
        let t: Double?
        switch dtype {
        case "fp64": t = denseTFLOPS.fp64
        case "tf32", "fp32": t = denseTFLOPS.tf32
        case "bf16", "fp16": t = denseTFLOPS.bf16
        case "fp8": t = denseTFLOPS.fp8
        case "int8": t = denseTFLOPS.int8
        default: t = nil
        }
        return t.map { $0 * 1e12 }
    }

    /// Sustained HBM bytes/s.
    public var sustainedHBM: Double { hbmTBps * 1e12 * efficiency.hbm }
    /// Sustained NVLink bytes/s in one direction.
    public var sustainedNVLinkPerDirection: Double { nvlinkGBps / 2 * 1e9 * efficiency.nvlink }
    /// Sustained NIC bytes/s in one direction.
    public var sustainedNetworkPerDirection: Double { nicGbpsPerGPU / 8 * 1e9 * efficiency.network }

    /// Checks the numbers; errors name `file` and field. Every number must be finite and in a physical
    /// range (a profile with `hbmTBps: 1e300` is an error, not an instant GPU).
    func validate(file: String) throws(ProfileError) {
        let positives: [(Double, String, Double)] = [
            (hbmGB, "hbmGB", 1e6), (hbmTBps, "hbmTBps", 1e4), (pcieGBps, "pcieGBps", 1e6), (nicGbpsPerGPU, "nicGbpsPerGPU", 1e7),
            (dieAreaMM2, "dieAreaMM2", 1e6), (tdpW, "tdpW", 1e6), (Double(gpusPerNode), "gpusPerNode", 1e5),
            (Double(sms), "sms", 1e5),
        ]
        for (v, f, max) in positives where !(v > 0 && v <= max) {
            throw .malformed(file: file, field: f, expected: "a positive number up to \(GPUProfile.trim(max)), got \(v)")
        }
        if !(nvlinkGBps >= 0 && nvlinkGBps <= 1e6) { throw .malformed(file: file, field: "nvlinkGBps", expected: "0 to 1e6 GB/s, got \(nvlinkGBps)") }
        for (v, f) in [(nvlinkLatencyUs, "nvlinkLatencyUs"), (networkLatencyUs, "networkLatencyUs")] where !(v >= 0 && v <= 1e6) {
            throw .malformed(file: file, field: f, expected: "0 to 1e6 µs, got \(v)")
        }
        guard let bf16 = denseTFLOPS.bf16, bf16 > 0, bf16 <= 1e6 else {
            throw .malformed(file: file, field: "denseTFLOPS.bf16", expected: "a positive number up to 1e6 TFLOP/s")
        }
        let peaks: [(Double?, String)] = [(denseTFLOPS.fp64, "fp64"), (denseTFLOPS.tf32, "tf32"), (denseTFLOPS.fp8, "fp8"),
                                          (denseTFLOPS.int8, "int8")]
        for (v, f) in peaks { if let v, !(v > 0 && v <= 1e6) {
            throw .malformed(file: file, field: "denseTFLOPS.\(f)", expected: "null or a positive number up to 1e6, got \(v)")
        } }
        if architecture.isEmpty { throw .malformed(file: file, field: "architecture", expected: "a GPU generation such as \"hopper\"") }
        let fractions: [(Double, String)] = [
            (efficiency.clock, "clock"), (efficiency.gemm, "gemm"), (efficiency.attention, "attention"), (efficiency.hbm, "hbm"),
            (efficiency.nvlink, "nvlink"), (efficiency.network, "network"), (efficiency.training, "training"),
        ]
        for (v, f) in fractions where !(v > 0 && v <= 1) {
            throw .malformed(file: file, field: "efficiency.\(f)", expected: "a fraction in (0, 1], got \(v)")
        }
        for key in ["denseTFLOPS", "hbmGB", "hbmTBps", "nvlinkGBps", "dieAreaMM2", "efficiency.clock", "efficiency.gemm",
                    "efficiency.training", "sms"] where sources[key] == nil {
            throw .malformed(file: file, field: "sources.\(key)", expected: "the source of \(key)")
        }
    }
}
