import Testing
import Models
@testable import Simulator

/// What a serving step is: overlap that hides the shorter stream, expert imbalance and redundant experts,
/// per-layer fixed costs, and an explanation per op.
@Suite struct ServingStepTests {
    let catalog = HardwareCatalog()

    func estimate(_ phase: InferenceRequest.Phase, gpus: Int, ep: Int, overlap: Bool = true, redundant: Int? = nil,
                  skew: Double? = nil, gpu: String = "h800-sxm") throws -> Estimate {
        try InferenceSimulator.estimate(InferenceRequest(
            model: catalog.model("deepseek-v3"), gpu: catalog.gpu(gpu), calibration: catalog.calibration(),
            layout: Deployment(gpus: gpus, ep: ep), phase: phase, overlap: overlap, redundantExperts: redundant, expertSkew: skew))
    }
    static let prefill = InferenceRequest.Phase.prefill(tokensPerGPU: 16384, inputLength: 4096, cachedLength: 0)
    static let decode = InferenceRequest.Phase.decode(batchPerGPU: 128, contextLength: 4096)

    @Test func overlapHidesTheShorterStreamButDoesNotRemoveIt() throws {
        let serial = try estimate(Self.prefill, gpus: 32, ep: 32, overlap: false)
        let overlapped = try estimate(Self.prefill, gpus: 32, ep: 32)
        #expect(overlapped.ttftMs! < serial.ttftMs!)
        // Not free: the step is longer than the compute stream alone, which itself is slower than without
        // overlap (two half-size micro-batches, 20 SMs held by the all-to-all).
        #expect(overlapped.stepMs > overlapped.computeMs || overlapped.stepMs > overlapped.communicationMs)
        #expect(overlapped.computeMs > serial.computeMs)
        #expect(overlapped.notes.contains { $0.contains("112 of 132 SMs") })
        let moe = try #require(overlapped.layers.first { $0.kind == "moe" })
        let dense = try #require(overlapped.layers.first { $0.kind == "dense" })
        let fill = overlapped.stepMs - moe.count * moe.timeMs - dense.count * dense.timeMs
            - overlapped.ops.filter { $0.name == "embed_tokens" || $0.name == "norm" || $0.name == "lm_head" }.reduce(0) { $0 + $1.timeMs }
        #expect(fill > 0)                                    // one micro-batch's shorter part fills the pipeline
        #expect(abs(fill - min(moe.computeMs, moe.communicationMs) / 2) < 1e-6)
        // The hidden communication is still listed, with its time.
        let dispatch = try #require(overlapped.ops.first { $0.name == "dispatch" })
        #expect(dispatch.bound == "overlap" && dispatch.hiddenMs == dispatch.timeMs && dispatch.communicationMs > 0)
    }

    @Test func theBusiestExpertGPUSetsTheStepAndRedundantExpertsReduceIt() throws {
        let balanced = try estimate(Self.prefill, gpus: 32, ep: 32, skew: 1)
        let skewed = try estimate(Self.prefill, gpus: 32, ep: 32)
        let replicated = try estimate(Self.prefill, gpus: 32, ep: 32, redundant: 32)
        func experts(_ e: Estimate) throws -> Double { try #require(e.ops.first { $0.name == "experts" }).timeMs }
        #expect(try experts(skewed) > experts(replicated) && experts(replicated) > experts(balanced))
        #expect(skewed.expertImbalance! > replicated.expertImbalance! && replicated.expertImbalance! > balanced.expertImbalance!)
        // Balanced routing still has the sampling imbalance of uniform routing.
        #expect(balanced.expertImbalance! > 1 && balanced.expertImbalance! < 1.05)
        // Redundant experts cost memory: 9 slots per GPU instead of 8 at EP32.
        #expect(replicated.weightsGBPerGPU > skewed.weightsGBPerGPU)
        #expect(replicated.notes.contains { $0.contains("9 slots per GPU (32 redundant") })
    }

    @Test func decodeUsesLowLatencyKernelsWithoutReservedSMsAndPrefillNormalKernels() throws {
        let d = try estimate(Self.decode, gpus: 144, ep: 144)
        let p = try estimate(Self.prefill, gpus: 32, ep: 32)
        #expect(try #require(d.ops.first { $0.name == "combine" }).source == "DeepEP low-latency fit")
        #expect(try #require(p.ops.first { $0.name == "combine" }).source == "DeepEP normal fit")
        #expect(!d.notes.contains { $0.contains("SMs while") })
    }

    @Test func everyOpSaysWhatBoundItAndWhereItsLawComesFrom() throws {
        let e = try estimate(Self.decode, gpus: 144, ep: 144)
        let bounds: Set<String> = ["compute", "memory", "network", "nvlink", "latency", "overlap"]
        for op in e.ops {
            #expect(bounds.contains(op.bound), "\(op.name): \(op.bound)")
            #expect(!op.source.isEmpty, "\(op.name) has no source")
            #expect(op.efficiency > 0 && op.efficiency <= 1, "\(op.name): efficiency \(op.efficiency)")
            let parts = max(op.computeMs, op.memoryMs, op.communicationMs) + op.fixedMs
            #expect(abs(parts - op.timeMs) < 1e-9 * max(1, op.timeMs), "\(op.name)")
        }
        // Per-layer fixed costs (launches) are part of the step: tiny kernels are latency-bound.
        #expect(e.ops.contains { $0.name == "small_kernels" && $0.fixedMs > 0 })
        #expect(e.ops.contains { $0.kind == "norm" && $0.bound == "latency" })
        #expect(e.calibration == "h800-deepseek" && e.extrapolated == false)
    }

    @Test func otherArchitecturesAreMarkedExtrapolated() throws {
        let e = try InferenceSimulator.estimate(InferenceRequest(
            model: catalog.model("llama-3-70b"), gpu: catalog.gpu("a100-sxm-80gb"), calibration: catalog.calibration(),
            layout: Deployment(gpus: 8, tp: 8), phase: .decode(batchPerGPU: 16, contextLength: 2048), precision: .bf16))
        #expect(e.extrapolated == true && e.notes.contains { $0.contains("EXTRAPOLATED to ampere") })
    }

    @Test func oneEstimateIsBuiltFromTheSameLawsTheValidationChecks() throws {
        // The prefill GEMM of q_b_proj at 8192 tokens (one micro-batch) is priced by the DeepGEMM law.
        let e = try estimate(Self.prefill, gpus: 32, ep: 32)
        let qb = try #require(e.ops.first { $0.name == "q_b_proj" })
        let k = KernelModel(gpu: try catalog.gpu("h800-sxm"), calibration: try catalog.calibration())
        let law = try k.gemm(m: 8192, n: 128 * 192, k: 1536, dtype: "fp8", weightBytes: 1, inputBytes: 1, outputBytes: 2,
                             reservedSMs: 20)
        #expect(abs(qb.timeMs / qb.count - law.total * 1e3) < 1e-9)
    }
}
