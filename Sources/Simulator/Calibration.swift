import Foundation
import Models

/// Efficiency laws fitted to published component measurements (`profiles/calibration/<id>.json`): GEMM
/// efficiency by shape, attention, elementwise kernels, the two all-to-all kernel families and expert
/// load imbalance. Every parameter says in `sources` what it was fitted to or that it is an assumption.
///
/// Other GPUs inherit the laws as fractions of their own peaks, SM counts, HBM and link rates; a profile
/// whose `efficiency` fractions differ from `reference` scales the matching law (see
/// `profiles/calibration/README.md`).
public struct Calibration: Codable, Sendable, Equatable {
    /// The calibration GPU's profile fractions the laws were fitted with.
    public struct Reference: Codable, Sendable, Equatable {
        public var sms: Int
        public var gemm: Double
        public var attention: Double
        public var hbm: Double
        public var nvlink: Double
        public var network: Double
    }

    /// DeepGEMM-style tiled GEMM: waves of blockM × blockN tiles over the SMs, a K pipeline with a fixed
    /// number of blocks of prologue/epilogue, a memory floor and a fixed time per kernel.
    public struct GEMM: Codable, Sendable, Equatable {
        /// Fraction of the clock-throttled per-SM peak a full tile reaches in steady state.
        public var maxEfficiency: Double
        /// Prologue + epilogue of one tile, in K blocks.
        public var pipelineBlocks: Double
        /// K elements per pipeline block.
        public var kBlock: Int
        /// Fraction of HBM bandwidth a memory-bound GEMM streams at.
        public var memoryEfficiency: Double
        /// Launch, ramp and tail of one kernel (µs).
        public var fixedUs: Double
        /// blockM is 64 up to this M, else 128.
        public var smallBlockMMaxM: Int
        /// Below `smallBlockMMaxM`, the token side of a tile is padded to a multiple of this (swap-AB).
        public var minBlockM: Int
        public var blockNMin: Int
        public var blockNMax: Int
        public var blockNStep: Int
    }

    public struct Attention: Codable, Sendable, Equatable {
        /// Decode MLA computes query heads in blocks of this many (fewer heads are padded).
        public var headPadding: Int
        public var fixedUs: Double
    }

    public struct Elementwise: Codable, Sendable, Equatable {
        public var fixedUs: Double
        /// Small kernels per layer the op graph does not list (RoPE, quantization, activation, top-k, adds).
        public var otherKernelsPerLayer: Int
    }

    /// DeepEP normal (throughput) kernels: node-deduplicated RDMA then NVLink forwarding.
    public struct Normal: Codable, Sendable, Equatable {
        public var rdmaEfficiencyDispatch: Double
        public var rdmaEfficiencyCombine: Double
        public var nvlinkForwardEfficiency: Double
        public var intranodeEfficiencyDispatch: Double
        public var intranodeEfficiencyCombine: Double
        public var fixedUs: Double
        /// SMs the kernels occupy while they run (taken from overlapped compute).
        public var smsReserved: Int
    }

    /// DeepEP low-latency kernels: one message per (token, expert), RDMA and NVLink in parallel.
    public struct LowLatency: Codable, Sendable, Equatable {
        public var networkEfficiency: Double
        public var nvlinkEfficiency: Double
        public var dispatchFixedUs: Double
        public var combineFixedUs: Double
        public var headerBytesPerToken: Double
        public var smsReserved: Int
    }

    /// Expert load imbalance defaults (stated assumptions).
    public struct Experts: Codable, Sendable, Equatable {
        /// Busiest expert GPU / mean with a static expert placement.
        public var staticSkew: Double
        /// Redundant (replicated) experts by default.
        public var redundantExperts: Int
    }

    public var id: String
    public var name: String
    /// The GPU profile the measurements were taken on.
    public var gpu: String
    /// Its architecture; GPUs of another architecture get an "extrapolated" note.
    public var architecture: String
    public var reference: Reference
    public var gemm: GEMM
    public var attention: Attention
    public var elementwise: Elementwise
    public var normal: Normal
    public var lowLatency: LowLatency
    public var experts: Experts
    public var sources: [String: String]

    /// Checks every field's range; errors name `file` and the field.
    func validate(file: String) throws(ProfileError) {
        func fraction(_ v: Double, _ field: String) throws(ProfileError) {
            guard v > 0 && v <= 1 else { throw .malformed(file: file, field: field, expected: "a fraction in (0, 1], got \(v)") }
        }
        func nonNegative(_ v: Double, _ field: String, max: Double) throws(ProfileError) {
            guard v >= 0 && v <= max else { throw .malformed(file: file, field: field, expected: "a number in [0, \(max)], got \(v)") }
        }
        func count(_ v: Int, _ field: String, min: Int, max: Int) throws(ProfileError) {
            guard v >= min && v <= max else { throw .malformed(file: file, field: field, expected: "an integer in [\(min), \(max)], got \(v)") }
        }
        try count(reference.sms, "reference.sms", min: 1, max: 100_000)
        for (v, f) in [(reference.gemm, "gemm"), (reference.attention, "attention"), (reference.hbm, "hbm"),
                       (reference.nvlink, "nvlink"), (reference.network, "network")] {
            try fraction(v, "reference." + f)
        }
        try fraction(gemm.maxEfficiency, "gemm.maxEfficiency")
        try fraction(gemm.memoryEfficiency, "gemm.memoryEfficiency")
        try nonNegative(gemm.pipelineBlocks, "gemm.pipelineBlocks", max: 1000)
        try nonNegative(gemm.fixedUs, "gemm.fixedUs", max: 10_000)
        try count(gemm.kBlock, "gemm.kBlock", min: 1, max: 65_536)
        try count(gemm.smallBlockMMaxM, "gemm.smallBlockMMaxM", min: 0, max: 65_536)
        try count(gemm.minBlockM, "gemm.minBlockM", min: 1, max: 65_536)
        try count(gemm.blockNMin, "gemm.blockNMin", min: 1, max: 65_536)
        try count(gemm.blockNMax, "gemm.blockNMax", min: gemm.blockNMin, max: 65_536)
        try count(gemm.blockNStep, "gemm.blockNStep", min: 1, max: 65_536)
        try count(attention.headPadding, "attention.headPadding", min: 1, max: 65_536)
        try nonNegative(attention.fixedUs, "attention.fixedUs", max: 10_000)
        try nonNegative(elementwise.fixedUs, "elementwise.fixedUs", max: 10_000)
        try count(elementwise.otherKernelsPerLayer, "elementwise.otherKernelsPerLayer", min: 0, max: 1000)
        for (v, f) in [(normal.rdmaEfficiencyDispatch, "rdmaEfficiencyDispatch"), (normal.rdmaEfficiencyCombine, "rdmaEfficiencyCombine"),
                       (normal.nvlinkForwardEfficiency, "nvlinkForwardEfficiency"),
                       (normal.intranodeEfficiencyDispatch, "intranodeEfficiencyDispatch"),
                       (normal.intranodeEfficiencyCombine, "intranodeEfficiencyCombine")] {
            try fraction(v, "normal." + f)
        }
        try nonNegative(normal.fixedUs, "normal.fixedUs", max: 100_000)
        try count(normal.smsReserved, "normal.smsReserved", min: 0, max: reference.sms - 1)
        try fraction(lowLatency.networkEfficiency, "lowLatency.networkEfficiency")
        try fraction(lowLatency.nvlinkEfficiency, "lowLatency.nvlinkEfficiency")
        try nonNegative(lowLatency.dispatchFixedUs, "lowLatency.dispatchFixedUs", max: 100_000)
        try nonNegative(lowLatency.combineFixedUs, "lowLatency.combineFixedUs", max: 100_000)
        try nonNegative(lowLatency.headerBytesPerToken, "lowLatency.headerBytesPerToken", max: 1e6)
        try count(lowLatency.smsReserved, "lowLatency.smsReserved", min: 0, max: reference.sms - 1)
        guard experts.staticSkew >= 1 && experts.staticSkew <= 100 else {
            throw .malformed(file: file, field: "experts.staticSkew", expected: "a factor in [1, 100], got \(experts.staticSkew)")
        }
        try count(experts.redundantExperts, "experts.redundantExperts", min: 0, max: 1_000_000)
        for key in ["reference", "gemm", "attention", "elementwise", "normal", "lowLatency", "experts"]
        where (sources[key] ?? "").isEmpty {
            throw .malformed(file: file, field: "sources.\(key)", expected: "the source of \(key)")
        }
    }
}
