import Foundation
import Models

/// The workload a search optimises: prefill or decode shape, precision and options (the layout and
/// batch are what the search varies).
public struct SearchWorkload: Sendable {
    public var model: ModelConfig
    public var calibration: Calibration
    public var precision: Precision
    public var overlap: Bool
    /// true: decode (`contextLength`); false: prefill (`inputLength`).
    public var decode: Bool
    public var contextLength: Int
    public var inputLength: Int
    /// Largest acceptable TPOT (decode) or TTFT (prefill) in ms; nil: no limit.
    public var latencyLimitMs: Double?

    public init(model: ModelConfig, calibration: Calibration, precision: Precision = .fp8, overlap: Bool = true,
                decode: Bool = true, contextLength: Int = 4096, inputLength: Int = 4096, latencyLimitMs: Double? = nil) {
        self.model = model; self.calibration = calibration; self.precision = precision; self.overlap = overlap; self.decode = decode
        self.contextLength = contextLength; self.inputLength = inputLength; self.latencyLimitMs = latencyLimitMs
    }

    func request(gpu: GPUProfile, layout: Deployment, size: Int) -> InferenceRequest {
        // A search varies the batch itself: a batch whose KV cache does not fit is rejected, not shrunk.
        InferenceRequest(model: model, gpu: gpu, calibration: calibration, layout: layout,
                         phase: decode ? .decode(batchPerGPU: size, contextLength: contextLength)
                                       : .prefill(tokensPerGPU: size, inputLength: inputLength, cachedLength: 0),
                         precision: precision, overlap: overlap, fitToMemory: false)
    }
}

/// What a search found and how much it looked at.
public struct SearchResult: Sendable, Codable {
    /// The best feasible estimate (highest tokens/s per GPU within the latency limit).
    public var best: Estimate?
    /// For chip searches: the best allowed hypothetical GPU.
    public var chip: GPUProfile?
    public var evaluated: Int
    public var feasible: Int
    /// Candidates rejected, by reason ("impossible layout", "does not fit", "latency limit", "controlled").
    public var rejected: [String: Int]
    public var seconds: Double
}

/// Exhaustive searches over deployments and hypothetical chips (each candidate is one estimate).
public enum DeploymentSearch {
    /// Tries every (tp, pp, ep, batch) for each GPU count: tp and pp over powers of two, ep over the
    /// divisors of a stage's GPU count up to the expert count, sizes from `sizes` (batch per GPU for
    /// decode, tokens per GPU for prefill).
    public static func best(_ w: SearchWorkload, gpu: GPUProfile, gpuCounts: [Int], sizes: [Int]) -> SearchResult {
        let start = Date()
        var result = SearchResult(best: nil, chip: nil, evaluated: 0, feasible: 0, rejected: [:], seconds: 0)
        for layout in layouts(model: w.model, gpu: gpu, gpuCounts: gpuCounts) {
            for size in sizes {
                consider(w.request(gpu: gpu, layout: layout, size: size), w, &result)
            }
        }
        result.seconds = Date().timeIntervalSince(start)
        return result
    }

    /// Candidate layouts; impossible ones are left for the estimator to reject (and count).
    static func layouts(model: ModelConfig, gpu: GPUProfile, gpuCounts: [Int]) -> [Deployment] {
        var out: [Deployment] = []
        let powers = [1, 2, 4, 8, 16, 32, 64]
        for gpus in gpuCounts where gpus > 0 {
            for tp in powers where tp <= min(gpus, gpu.gpusPerNode) {
                for pp in powers where tp * pp <= gpus {
                    let stage = gpus / pp
                    let eps = model.isMoE ? (1...stage).filter { stage % $0 == 0 } : [1]
                    for ep in eps { out.append(Deployment(gpus: gpus, tp: tp, ep: ep, pp: pp)) }
                }
            }
        }
        return out
    }

    static func consider(_ r: InferenceRequest, _ w: SearchWorkload, _ result: inout SearchResult) {
        result.evaluated += 1
        do {
            let e = try InferenceSimulator.estimate(r)
            let latency = (w.decode ? e.tpotMs : e.ttftMs) ?? 0
            if let limit = w.latencyLimitMs, latency > limit {
                result.rejected["latency limit", default: 0] += 1
                return
            }
            result.feasible += 1
            if result.best.map({ e.tokensPerSecondPerGPU > $0.tokensPerSecondPerGPU }) ?? true { result.best = e }
        } catch let error {
            let reason: String
            switch error {
            case .impossibleLayout: reason = "impossible layout"
            case .doesNotFit: reason = "does not fit"
            case .invalidValue: reason = "invalid size"
            default: reason = "invalid"
            }
            result.rejected[reason, default: 0] += 1
        }
    }

    /// The best hypothetical chip derived from `base` that `rule` does not control: a grid over compute
    /// scale, NVLink, HBM bandwidth and capacity, each candidate priced on the fixed `layout` and `size`.
    /// Ties go to the smaller chip (the grid runs from small to large knobs), so an interconnect-bound
    /// workload reports the least compute that reaches its throughput.
    public static func bestChip(_ w: SearchWorkload, base: GPUProfile, rule: ExportRule, layout: Deployment,
                                size: Int) -> SearchResult {
        let start = Date()
        var result = SearchResult(best: nil, chip: nil, evaluated: 0, feasible: 0, rejected: [:], seconds: 0)
        let scales = (1...40).map { Double($0) / 20 }   // 0.05 … 2.0
        for scale in scales {
            for nvlink in [0.0, 200, 400, 600, 900, 1800] {
                for hbm in [2.0, 3.35, 4.0, 4.8, 8.0] {
                    for hbmGB in [80.0, 96, 141, 192] {
                        guard let chip = try? base.applying([("compute", scale), ("nvlink", nvlink), ("hbm", hbm),
                                                             ("hbmGB", hbmGB)]) else { continue }
                        if rule.evaluate(chip).isControlled {
                            result.evaluated += 1
                            result.rejected["controlled", default: 0] += 1
                            continue
                        }
                        let before = result.best
                        consider(w.request(gpu: chip, layout: layout, size: size), w, &result)
                        if result.best != before { result.chip = chip }
                    }
                }
            }
        }
        result.seconds = Date().timeIntervalSince(start)
        return result
    }
}
