import Foundation
import Models

/// Prices an `OpGraph` on a GPU deployment with the calibrated kernel laws.
public enum InferenceSimulator {
    /// Largest values accepted (beyond them the request is absurd and the integer shapes could overflow).
    static let maxGPUs = 1 << 20, maxBatch = 1 << 20, maxTokens = 1 << 24, maxGroupTokens = 1 << 26

    /// Simulates one step of `request.phase` and derives throughput, latency, memory and cost. When the
    /// asked batch's KV cache does not fit (and `fitToMemory`), the largest batch that fits is estimated
    /// instead and a note says so; when the weights alone do not fit, the error says by how much.
    public static func estimate(_ r: InferenceRequest) throws(SimulatorError) -> Estimate {
        try check(r)
        let model = r.model, gpu = r.gpu, layout = r.layout
        let kvPerToken = Double(model.kvCacheElementsPerToken) * r.precision.kvBytes
        let kvShards = model.usesMLA ? 1 : Double(min(layout.tp, model.numKeyValueHeads))
        let redundant = r.redundantExperts ?? r.calibration.experts.redundantExperts
        let weights = memoryPerGPU(model: model, layout: layout, precision: r.precision, redundantExperts: redundant)
        let usable = gpu.hbmGB * 1e9 * r.usableMemoryFraction
        let isPrefill: Bool
        let requested: Int
        switch r.phase {
        case let .prefill(tokens, _, _): isPrefill = true; requested = tokens
        case let .decode(batch, _): isPrefill = false; requested = batch
        }
        if weights > usable {
            throw .doesNotFit(neededGB: weights / 1e9, availableGB: usable / 1e9, maxBatch: 0,
                              detail: String(format: "the weights alone need %.1f GB per GPU on %@, %.1f GB more than the %.0f%% of HBM usable; spread them over more GPUs (tp, ep, pp) or use fp8",
                                             weights / 1e9, gpu.id, (weights - usable) / 1e9, r.usableMemoryFraction * 100))
        }
        func kv(_ size: Int) throws(SimulatorError) -> Double {
            let w = try workload(r, size: size)
            return Double(w.sequences) * Double(w.past + w.newTokens) * kvPerToken / kvShards
        }
        func fits(_ size: Int) -> Bool { (try? kv(size)).map { weights + $0 <= usable } ?? false }
        var size = requested
        var notes: [String] = []
        let requestedKV = try kv(requested)
        if weights + requestedKV > usable {
            let best = largestFitting(r, below: requested, fits: fits)
            if best == 0 || !r.fitToMemory {
                throw .doesNotFit(neededGB: (weights + requestedKV) / 1e9, availableGB: usable / 1e9, maxBatch: best,
                                  detail: String(format: "weights %.1f GB + KV cache %.1f GB on %@", weights / 1e9,
                                                 requestedKV / 1e9, gpu.id))
            }
            size = best
            notes.append(String(format: "asked %d %@ per GPU: weights %.1f GB + KV cache %.1f GB exceed the %.1f GB usable; estimated at the largest that fits, %d",
                                requested, isPrefill ? "prompt tokens" : "sequences", weights / 1e9, requestedKV / 1e9,
                                usable / 1e9, size))
        }
        let w = try workload(r, size: size)
        if isPrefill, w.sequences == 1, case let .prefill(_, input, _) = r.phase, w.newTokens < input {
            notes.append("chunked prefill: \(w.newTokens) of the \(input) prompt tokens per step")
        }
        var e = try ServingStep.estimate(r, workload: w, redundantExperts: redundant)
        e.notes = notes + e.notes
        e.sizePerGPU = size
        e.requestedSizePerGPU = requested
        e.weightsGBPerGPU = weights / 1e9
        e.kvCacheGBPerGPU = try kv(size) / 1e9
        e.kvCacheBytesPerToken = kvPerToken
        if !isPrefill, case let .decode(_, context) = r.phase {
            let perSequence = Double(context + 1) * kvPerToken * Double(layout.tp) / kvShards
            e.maxBatchPerGPU = Int(min(Double(maxBatch), max(0, (usable - weights) / perSequence)))
        }
        if let price = r.pricePerGPUHour {
            e.usdPerMillionTokens = price / (e.tokensPerSecondPerGPU * 3600) * 1e6
        }
        if let total = r.totalTokens {
            let hours = total / e.tokensPerSecondPerGPU / 3600
            e.gpuHours = hours
            e.days = hours / Double(layout.gpus) / 24
            if let price = r.pricePerGPUHour { e.costUSD = hours * price }
        }
        try e.checkFinite()
        return e
    }

    /// Range checks on everything a request carries, before any arithmetic.
    static func check(_ r: InferenceRequest) throws(SimulatorError) {
        try ModelLimits.check(r.model)
        let l = r.layout
        guard l.gpus >= 1 && l.gpus <= maxGPUs else {
            throw .invalidValue(field: "gpus", value: "\(l.gpus)", expected: "1 to \(maxGPUs)")
        }
        try l.validate(model: r.model)
        guard r.usableMemoryFraction > 0 && r.usableMemoryFraction <= 1 else {
            throw .invalidValue(field: "usable memory fraction", value: "\(r.usableMemoryFraction)", expected: "a fraction in (0, 1]")
        }
        switch r.phase {
        case let .prefill(tokens, input, cached):
            guard tokens >= 1 && tokens <= maxTokens else {
                throw .invalidValue(field: "--tokens-per-gpu", value: "\(tokens)", expected: "1 to \(maxTokens)")
            }
            guard input >= 1 && input <= maxTokens else {
                throw .invalidValue(field: "--input-len", value: "\(input)", expected: "1 to \(maxTokens)")
            }
            guard cached >= 0 && cached <= maxTokens else {
                throw .invalidValue(field: "--cached-len", value: "\(cached)", expected: "0 to \(maxTokens)")
            }
            guard tokens * l.tp <= maxGroupTokens else {
                throw .invalidValue(field: "--tokens-per-gpu", value: "\(tokens)", expected: "tokens × tp at most \(maxGroupTokens)")
            }
        case let .decode(batch, context):
            guard batch >= 1 && batch <= maxBatch else {
                throw .invalidValue(field: "--batch", value: "\(batch)", expected: "1 to \(maxBatch) sequences per GPU")
            }
            guard context >= 0 && context <= maxTokens else {
                throw .invalidValue(field: "--context-len", value: "\(context)", expected: "0 to \(maxTokens)")
            }
            guard batch * l.tp <= maxGroupTokens else {
                throw .invalidValue(field: "--batch", value: "\(batch)", expected: "batch × tp at most \(maxGroupTokens)")
            }
        }
        if let p = r.pricePerGPUHour, !(p.isFinite && p >= 0 && p <= 1e6) {
            throw .invalidValue(field: "--price", value: "\(p)", expected: "a finite price per GPU-hour from 0 to 1e6 USD")
        }
        if let t = r.totalTokens, !(t.isFinite && t > 0 && t <= 1e18) {
            throw .invalidValue(field: "--tokens", value: "\(t)", expected: "a token count from 1 to 1e18")
        }
        if let n = r.redundantExperts, !(n >= 0 && n <= 16 * max(1, r.model.routedExperts)) {
            throw .invalidValue(field: "--redundant-experts", value: "\(n)", expected: "0 to 16 × the expert count")
        }
        if let s = r.expertSkew, !(s >= 1 && s <= 100) {
            throw .invalidValue(field: "--expert-skew", value: "\(s)", expected: "a factor from 1 (balanced) to 100")
        }
    }

    /// The graph workload of one step at `size` (decode: sequences per GPU; prefill: tokens per GPU).
    static func workload(_ r: InferenceRequest, size: Int) throws(SimulatorError) -> GraphWorkload {
        let tp = r.layout.tp
        switch r.phase {
        case let .prefill(_, inputLength, cached):
            let group = size * tp
            if group >= inputLength {
                guard group % inputLength == 0 else {
                    throw .invalidValue(field: "--tokens-per-gpu", value: "\(size)",
                                        expected: "a multiple of input-len / tp (\(inputLength) / \(tp)) so prompts are whole")
                }
                return .prefill(sequences: group / inputLength, tokens: inputLength, past: cached)
            }
            return .prefill(sequences: 1, tokens: group, past: cached)
        case let .decode(_, context):
            return .decode(batch: size * tp, context: context)
        }
    }

    /// The largest size below `requested` whose KV cache fits: decode sequences, or prefill whole prompts
    /// per TP group (then chunks of one prompt). 0 when not even the smallest fits.
    static func largestFitting(_ r: InferenceRequest, below requested: Int, fits: (Int) -> Bool) -> Int {
        func search(_ lo: Int, _ hi: Int, _ value: (Int) -> Int) -> Int? {
            // Largest q in lo...hi with fits(value(q)); fits is monotone in q.
            guard lo <= hi, fits(value(lo)) else { return nil }
            var a = lo, b = hi
            while a < b {
                let mid = a + (b - a + 1) / 2
                if fits(value(mid)) { a = mid } else { b = mid - 1 }
            }
            return value(a)
        }
        switch r.phase {
        case .decode:
            return search(1, requested - 1) { $0 } ?? 0
        case let .prefill(_, input, _):
            let tp = r.layout.tp
            // Whole prompts: j prompts per group, tokens per GPU j × input / tp must be whole.
            let unit = tp / gcd(input, tp)
            let maxJ = requested * tp / input
            if maxJ >= unit, let best = search(1, maxJ / unit, { $0 * unit * input / tp }), best < requested {
                return best
            }
            // One prompt in chunks smaller than a prompt.
            let chunkMax = min(requested - 1, (input - 1) / tp)
            return search(1, chunkMax) { $0 } ?? 0
        }
    }

    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? max(a, 1) : gcd(b, a % b) }

    /// Bytes of weights one GPU holds: attention/dense/shared parameters of its stage split by TP, its
    /// `ceil((E + redundant)/ep)` experts per MoE layer (all experts split by TP when ep = 1), embedding
    /// and head.
    static func memoryPerGPU(model: ModelConfig, layout: Deployment, precision: Precision, redundantExperts: Int) -> Double {
        let graph = OpGraph(model: model, workload: .decode(batch: 1, context: 0), precision: precision)
        var dense = 0.0, experts = 0.0
        for op in graph.ops {
            let params = op.parameters * (op.layers.isEmpty ? 1 : Double(op.count) / Double(layout.pp))
            if op.kind == .routedExperts {
                if layout.ep > 1 {
                    let slots = (Double(model.routedExperts + redundantExperts) / Double(layout.ep)).rounded(.up)
                    experts += params / Double(model.routedExperts) * slots
                } else {
                    experts += params / Double(layout.tp)
                }
            } else {
                dense += params / Double(layout.tp)
            }
        }
        return (dense + experts) * precision.weightBytes
    }
}

/// Upper bounds on model profile fields the simulator multiplies (a profile with hidden_size 10¹⁵ is an
/// error naming the file's field, not an overflow).
enum ModelLimits {
    static func check(_ m: ModelConfig) throws(SimulatorError) {
        let fields: [(Int?, String, Int)] = [
            (m.hiddenSize, "hidden_size", 1 << 20), (m.intermediateSize, "intermediate_size", 1 << 22),
            (m.numHiddenLayers, "num_hidden_layers", 4096), (m.numAttentionHeads, "num_attention_heads", 4096),
            (m.numKeyValueHeads, "num_key_value_heads", 4096), (m.headDim, "head_dim", 1 << 16),
            (m.vocabSize, "vocab_size", 1 << 24), (m.nRoutedExperts, "n_routed_experts", 1 << 16),
            (m.numLocalExperts, "num_local_experts", 1 << 16), (m.numExpertsPerTok, "num_experts_per_tok", 1 << 10),
            (m.moeIntermediateSize, "moe_intermediate_size", 1 << 22), (m.nSharedExperts, "n_shared_experts", 1 << 10),
            (m.kvLoraRank, "kv_lora_rank", 1 << 16), (m.qLoraRank, "q_lora_rank", 1 << 16),
            (m.qkRopeHeadDim, "qk_rope_head_dim", 1 << 16), (m.qkNopeHeadDim, "qk_nope_head_dim", 1 << 16),
            (m.vHeadDim, "v_head_dim", 1 << 16), (m.nGroup, "n_group", 1 << 16), (m.topkGroup, "topk_group", 1 << 16),
        ]
        for (v, name, max) in fields {
            if let v, !(v >= 0 && v <= max) {
                throw .invalidValue(field: "profiles/models/\(m.id).json \(name)", value: "\(v)", expected: "0 to \(max)")
            }
        }
    }
}
