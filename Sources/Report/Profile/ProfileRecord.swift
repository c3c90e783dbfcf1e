/// One row of `ktune profile`: llama-bench's JSON fields with their meaning and units (so llama-bench
/// dashboards and scripts read it unchanged), plus ktune's provenance and per-op breakdown in `ktune`.
public struct ProfileRecord: Codable, Sendable, Equatable {
    public var buildCommit: String
    public var cpuInfo: String
    public var backends: String
    public var modelFilename: String
    /// "<architecture> <params> <file type>", e.g. "llama 135M Q4_1".
    public var modelType: String
    /// Bytes of the tensors in the model file.
    public var modelSize: Int
    /// Elements of the tensors in the model file.
    public var modelNParams: Int
    public var nThreads: Int
    public var nPrompt: Int
    public var nGen: Int
    public var nDepth: Int
    /// ISO 8601 UTC time the test started.
    public var testTime: String
    /// Mean and sample standard deviation of the repetitions' wall times, ns.
    public var avgNs: Int
    public var stddevNs: Int
    /// Mean and sample standard deviation of (n_prompt + n_gen) / seconds over the repetitions.
    public var avgTs: Double
    public var stddevTs: Double
    public var samplesNs: [Int]
    public var samplesTs: [Double]
    public var ktune: Provenance

    /// ktune's part of the record.
    public struct Provenance: Codable, Sendable, Equatable {
        public var machineFingerprint: String
        /// "default" (the analytical plan) or the tuned config's path.
        public var config: String
        /// FNV-1a 64 of the kernel parameters the plan resolved for this model's shapes.
        public var configHash: String
        /// Tuned / bucketed / default counts over the model's kernel shapes.
        public var planSummary: String
        /// The noisy-neighbour monitor found the machine disturbed during at least one repetition.
        public var disturbed: Bool
        /// Per repetition: disturbed or not (same order as samples_ns).
        public var samplesDisturbed: [Bool]
        /// Per-op breakdown, one repetition's average (calls and times per run), most time first, then "other".
        public var ops: [OpRow]
        /// Measured ns per run not inside any recorded op.
        public var otherNs: Int
        /// Sum of op times ÷ measured time (≤ 1).
        public var coverage: Double
        /// The same op sequence priced on GPUs (`--gpu`), empty without.
        public var gpu: [GPURow]

        public init(machineFingerprint: String, config: String, configHash: String, planSummary: String, disturbed: Bool,
                    samplesDisturbed: [Bool], ops: [OpRow], otherNs: Int, coverage: Double, gpu: [GPURow] = []) {
            self.machineFingerprint = machineFingerprint; self.config = config; self.configHash = configHash
            self.planSummary = planSummary; self.disturbed = disturbed; self.samplesDisturbed = samplesDisturbed
            self.ops = ops; self.otherNs = otherNs; self.coverage = coverage; self.gpu = gpu
        }

        enum CodingKeys: String, CodingKey {
            case machineFingerprint = "machine_fingerprint", config, configHash = "config_hash", planSummary = "plan_summary"
            case disturbed, samplesDisturbed = "samples_disturbed", ops, otherNs = "other_ns", coverage, gpu
        }
    }

    /// One op of the breakdown.
    public struct OpRow: Codable, Sendable, Equatable {
        /// Op name with its matmul shape ("q_proj 512x576x576") or rows ("attn_norm 512 rows"); "other" for the rest.
        public var op: String
        public var calls: Double
        public var totalNs: Int
        public var selfNs: Int
        /// total_ns ÷ the run's measured time.
        public var share: Double
        public var gflops: Double
        public var gbps: Double
        /// "compute", "dram", "l3", "l2" or "l1": the probed limit that applies; nil without probe figures.
        public var bound: String?
        /// The limit's rate (GFLOP/s for compute, GB/s for a memory level).
        public var limit: Double?
        /// Achieved rate ÷ limit.
        public var fractionOfLimit: Double?

        public init(op: String, calls: Double, totalNs: Int, selfNs: Int, share: Double, gflops: Double, gbps: Double,
                    bound: String?, limit: Double?, fractionOfLimit: Double?) {
            self.op = op; self.calls = calls; self.totalNs = totalNs; self.selfNs = selfNs; self.share = share
            self.gflops = gflops; self.gbps = gbps; self.bound = bound; self.limit = limit; self.fractionOfLimit = fractionOfLimit
        }

        enum CodingKeys: String, CodingKey {
            case op, calls, totalNs = "total_ns", selfNs = "self_ns", share, gflops, gbps, bound, limit
            case fractionOfLimit = "fraction_of_limit"
        }
    }

    /// The run's op sequence priced on one GPU.
    public struct GPURow: Codable, Sendable, Equatable {
        public var gpu: String
        /// Simulated ns of one run, and tokens/s it implies.
        public var totalNs: Int
        public var tokensPerSecond: Double
        public var precision: String

        public init(gpu: String, totalNs: Int, tokensPerSecond: Double, precision: String) {
            self.gpu = gpu; self.totalNs = totalNs; self.tokensPerSecond = tokensPerSecond; self.precision = precision
        }

        enum CodingKeys: String, CodingKey { case gpu, totalNs = "total_ns", tokensPerSecond = "tokens_per_second", precision }
    }

    public init(buildCommit: String, cpuInfo: String, backends: String = "CPU", modelFilename: String, modelType: String,
                modelSize: Int, modelNParams: Int, nThreads: Int, nPrompt: Int, nGen: Int, nDepth: Int = 0, testTime: String,
                samplesNs: [Int], ktune: Provenance) {
        self.buildCommit = buildCommit; self.cpuInfo = cpuInfo; self.backends = backends
        self.modelFilename = modelFilename; self.modelType = modelType; self.modelSize = modelSize
        self.modelNParams = modelNParams; self.nThreads = nThreads; self.nPrompt = nPrompt; self.nGen = nGen
        self.nDepth = nDepth; self.testTime = testTime; self.samplesNs = samplesNs; self.ktune = ktune
        let tokens = Double(nPrompt + nGen)
        samplesTs = samplesNs.map { $0 > 0 ? tokens * 1e9 / Double($0) : 0 }
        let ns = samplesNs.map(Double.init)
        avgNs = Int(Self.mean(ns).rounded())
        stddevNs = Int(Self.stddev(ns).rounded())
        avgTs = Self.mean(samplesTs)
        stddevTs = Self.stddev(samplesTs)
    }

    /// Arithmetic mean (0 for no values).
    public static func mean(_ x: [Double]) -> Double { x.isEmpty ? 0 : x.reduce(0, +) / Double(x.count) }

    /// Sample standard deviation (n − 1), 0 for fewer than two values (llama-bench's `stdev`).
    public static func stddev(_ x: [Double]) -> Double {
        guard x.count > 1 else { return 0 }
        let m = mean(x)
        return (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)).squareRoot()
    }

    /// llama-bench's test name: pp512, tg128, pp512+tg128.
    public var testName: String {
        switch (nPrompt, nGen) {
        case (let p, 0): return "pp\(p)"
        case (0, let g): return "tg\(g)"
        case let (p, g): return "pp\(p)+tg\(g)"
        }
    }

    enum CodingKeys: String, CodingKey {
        case buildCommit = "build_commit", cpuInfo = "cpu_info", backends, modelFilename = "model_filename"
        case modelType = "model_type", modelSize = "model_size", modelNParams = "model_n_params", nThreads = "n_threads"
        case nPrompt = "n_prompt", nGen = "n_gen", nDepth = "n_depth", testTime = "test_time", avgNs = "avg_ns"
        case stddevNs = "stddev_ns", avgTs = "avg_ts", stddevTs = "stddev_ts", samplesNs = "samples_ns"
        case samplesTs = "samples_ts", ktune
    }
}
