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
    /// The end-to-end proof `ktune tune --model` ran with this config: default vs tuned plan per phase
    /// (nil when none was run).
    public var endToEnd: EndToEnd?

    public init(machine: MachineSummary, createdAt: String, toolVersion: String = ToolVersion.current,
                entries: [Entry], endToEnd: EndToEnd? = nil) {
        self.endToEnd = endToEnd
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
        /// On a machine with several core kinds, one line per kind, fastest first
        /// ("IntelCore: 6 cores L#0-5, 12 threads, efficiency 1"); nil on a machine with one kind.
        public var coreKinds: [String]?
        /// How the measuring pool placed threads on the kinds ("fastest-first: IntelCore L#0-5, then IntelAtom
        /// L#6-13"): an entry's `threads` = t ran on the first t of those cores. nil with one kind.
        public var placement: String?

        public init(fingerprint: String, cpu: String, cores: Int, isa: [String], caches: [String],
                    coreKinds: [String]? = nil, placement: String? = nil) {
            self.fingerprint = fingerprint; self.cpu = cpu; self.cores = cores
            self.isa = isa; self.caches = caches; self.coreKinds = coreKinds; self.placement = placement
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
        /// "cold" (weights streamed from memory, rotating copies larger than the LLC) or "hot" (cached
        /// operands); nil in configs written before conditions were recorded.
        public var condition: String?
        /// On a hybrid machine, the cores of each kind the chosen `threads` ran on ("IntelCore ×6 +
        /// IntelAtom ×2 (fastest-first)"); nil with one kind.
        public var placement: String?

        public init(kernel: String, shape: String, params: ParameterSet, measured: Measurement,
                    baseline: Baseline, evaluations: Int, condition: String? = nil) {
            self.condition = condition
            self.kernel = kernel; self.shape = shape; self.params = params
            self.measured = measured; self.baseline = baseline
            self.speedup = baseline.gflops.median > 0 ? measured.median / baseline.gflops.median : 1
            self.evaluations = evaluations
        }
    }

    /// Whole-model runs with the analytical defaults and with the tuned plan, interleaved in rounds.
    public struct EndToEnd: Codable, Sendable, Equatable {
        public var model: String
        public var threads: Int
        /// Rounds per phase (each runs default and tuned, in rotating order).
        public var rounds: Int
        public var phases: [Phase]
        /// Entries removed because a phase that uses them lost end to end ("kernel shape: why").
        public var dropped: [String]

        public init(model: String, threads: Int, rounds: Int, phases: [Phase], dropped: [String]) {
            self.model = model; self.threads = threads; self.rounds = rounds; self.phases = phases; self.dropped = dropped
        }

        public struct Phase: Codable, Sendable, Equatable {
            /// "prefill 37 (chat)", "prefill 512", "decode 128 after 512".
            public var name: String
            public var tokens: Int
            /// Median tokens/s of each plan.
            public var defaultTokensPerSecond: Double
            public var tunedTokensPerSecond: Double
            /// Median over rounds of default time / tuned time within the round.
            public var speedup: Double

            public init(name: String, tokens: Int, defaultTokensPerSecond: Double, tunedTokensPerSecond: Double, speedup: Double) {
                self.name = name; self.tokens = tokens; self.defaultTokensPerSecond = defaultTokensPerSecond
                self.tunedTokensPerSecond = tunedTokensPerSecond; self.speedup = speedup
            }
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
