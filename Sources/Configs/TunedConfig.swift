import Foundation
import KernelContract

/// The tuner's product: for one machine, the chosen kernel parameters per kernel family and shape bucket,
/// with the measurements that justified them. Written by `ktune tune`, read by the inference core.
public struct TunedConfig: Codable, Sendable, Equatable {
    /// Bumped whenever the file layout changes incompatibly; loaders refuse other versions.
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    public var machine: MachineSummary
    /// ISO-8601 creation time.
    public var createdAt: String
    public var toolVersion: String
    public var entries: [Entry]

    public init(machine: MachineSummary, createdAt: String, toolVersion: String = ToolVersion.current,
                entries: [Entry]) {
        self.schemaVersion = Self.currentSchemaVersion
        self.machine = machine
        self.createdAt = createdAt
        self.toolVersion = toolVersion
        self.entries = entries
    }

    /// The machine a config was tuned on. Only `fingerprint` is compared when loading.
    public struct MachineSummary: Codable, Sendable, Equatable {
        public var fingerprint: String
        public var cpu: String
        public var cores: Int
        public var isa: [String]
        /// e.g. ["L1d 48 KiB 12-way", "L2 1 MiB 16-way", "L3 32 MiB 16-way"]
        public var caches: [String]

        public init(fingerprint: String, cpu: String, cores: Int, isa: [String], caches: [String]) {
            self.fingerprint = fingerprint; self.cpu = cpu; self.cores = cores
            self.isa = isa; self.caches = caches
        }
    }

    /// One tuned choice: kernel family × shape bucket.
    public struct Entry: Codable, Sendable, Equatable {
        /// Kernel family id ("matmul", "attention.prefill", "attention.decode", "expert-gather").
        public var kernel: String
        /// The shape bucket, the kernel instance's `shapeKey`.
        public var shape: String
        public var params: ParameterSet
        /// Measured throughput of the chosen parameters (GFLOP/s).
        public var measured: Measurement
        /// The analytical default, measured head to head with the chosen parameters.
        public var baseline: Baseline
        /// measured.median / baseline.gflops.median.
        public var speedup: Double
        public var evaluations: Int

        public init(kernel: String, shape: String, params: ParameterSet, measured: Measurement,
                    baseline: Baseline, evaluations: Int) {
            self.kernel = kernel; self.shape = shape; self.params = params
            self.measured = measured; self.baseline = baseline
            self.speedup = baseline.gflops.median > 0 ? measured.median / baseline.gflops.median : 1
            self.evaluations = evaluations
        }
    }

    /// Median, min and max GFLOP/s over the timed repeats.
    public struct Measurement: Codable, Sendable, Equatable {
        public var median: Double
        public var min: Double
        public var max: Double
        public init(median: Double, min: Double, max: Double) {
            self.median = median; self.min = min; self.max = max
        }
    }

    public struct Baseline: Codable, Sendable, Equatable {
        public var params: ParameterSet
        public var gflops: Measurement
        public init(params: ParameterSet, gflops: Measurement) { self.params = params; self.gflops = gflops }
    }

    /// The chosen parameters for `kernel` at `shape`, if tuned.
    public func params(kernel: String, shape: String) -> ParameterSet? {
        entries.first { $0.kernel == kernel && $0.shape == shape }?.params
    }
}

/// The ktune release, recorded in configs and journals.
public enum ToolVersion {
    public static let current = "0.1.0"
}
