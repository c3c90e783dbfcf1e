import Testing
import Models
@testable import Simulator

@Suite struct InferenceTests {
    let catalog = HardwareCatalog()

    func decode(_ model: String, _ gpu: String, gpus: Int, tp: Int = 1, ep: Int = 1, pp: Int = 1, batch: Int,
                context: Int = 4096, overlap: Bool = false, knobs: [(String, Double)] = [], fit: Bool = true) throws -> Estimate {
        let g = try catalog.gpu(gpu).applying(knobs)
        return try InferenceSimulator.estimate(InferenceRequest(
            model: catalog.model(model), gpu: g, calibration: catalog.calibration(), layout: Deployment(gpus: gpus, tp: tp, ep: ep, pp: pp),
            phase: .decode(batchPerGPU: batch, contextLength: context), overlap: overlap, pricePerGPUHour: 2, fitToMemory: fit))
    }

    func prefill(_ model: String, _ gpu: String, gpus: Int, tp: Int = 1, ep: Int = 1, tokens: Int = 16384, input: Int = 4096,
                 overlap: Bool = false, knobs: [(String, Double)] = []) throws -> Estimate {
        try InferenceSimulator.estimate(InferenceRequest(
            model: catalog.model(model), gpu: catalog.gpu(gpu).applying(knobs), calibration: catalog.calibration(),
            layout: Deployment(gpus: gpus, tp: tp, ep: ep), phase: .prefill(tokensPerGPU: tokens, inputLength: input, cachedLength: 0),
            overlap: overlap))
    }

    func op(_ e: Estimate, _ name: String) throws -> OpEstimate { try #require(e.ops.first { $0.name == name }) }

    @Test func h800AndH100DifferOnTwoNodePrefillThroughNVLinkForwardingOnly() throws {
        // 2 nodes, EP16, DeepEP normal kernels: a token crosses the network once per remote node, then
        // NVLink forwards it to the node's target GPUs. On H800 (200 GB/s per direction) the forwarding is
        // the bottleneck — DeepEP's EP16 figure (43 GB/s) is below EP32's (58) for that reason.
        let h800 = try prefill("deepseek-v3", "h800-sxm", gpus: 16, ep: 16)
        let h100 = try prefill("deepseek-v3", "h100-sxm", gpus: 16, ep: 16)
        #expect(h800.computeMs == h100.computeMs)
        #expect(h800.communicationMs > 1.2 * h100.communicationMs)
        #expect(try op(h800, "dispatch").bound == "nvlink")
        #expect(try op(h100, "dispatch").bound == "network")
        // Same difference when the H100 is throttled to 400 GB/s NVLink by a knob.
        let throttled = try prefill("deepseek-v3", "h100-sxm", gpus: 16, ep: 16, knobs: [("nvlink", 400)])
        #expect(throttled.ttftMs == h800.ttftMs)
    }

    @Test func decodeAllToAllIsTheLowLatencyKernelBoundByTheNetwork() throws {
        // DeepEP's low-latency kernels send one message per (token, expert) over RDMA, NVLink in parallel:
        // at 18 nodes almost all traffic is remote, so H800 and H100 (same NIC) take the same time.
        let h800 = try decode("deepseek-v3", "h800-sxm", gpus: 144, ep: 144, batch: 128)
        let h100 = try decode("deepseek-v3", "h100-sxm", gpus: 144, ep: 144, batch: 128)
        let dispatch = try op(h800, "dispatch")
        #expect(dispatch.bound == "network" && dispatch.source == "DeepEP low-latency fit")
        #expect(h800.tpotMs == h100.tpotMs)
        // Halving the NIC doubles the bandwidth part, not the fixed part.
        let slowNIC = try decode("deepseek-v3", "h800-sxm", gpus: 144, ep: 144, batch: 128, knobs: [("nic", 200)])
        let slow = try op(slowNIC, "dispatch")
        #expect(abs(slow.communicationMs / dispatch.communicationMs - 2) < 1e-6)
        #expect(abs(slow.fixedMs - dispatch.fixedMs) < 1e-9)
    }

    @Test func computeBoundSingleGPUPrefillIsEqualOnH800AndH100() throws {
        var results: [Estimate] = []
        for gpu in ["h800-sxm", "h100-sxm"] {
            results.append(try InferenceSimulator.estimate(InferenceRequest(
                model: catalog.model("deepseek-r1-distill-qwen-7b"), gpu: catalog.gpu(gpu), calibration: catalog.calibration(),
                layout: Deployment(gpus: 1),
                phase: .prefill(tokensPerGPU: 8192, inputLength: 8192, cachedLength: 0), precision: .bf16)))
        }
        #expect(results[0].ttftMs == results[1].ttftMs)
        #expect(results[0].tokensPerSecondPerGPU == results[1].tokensPerSecondPerGPU)
        #expect(results[0].communicationMs == 0)
        let gemmTime = results[0].ops.filter { $0.kind == "gemm" && $0.bound == "compute" }.reduce(0) { $0 + $1.timeMs }
        #expect(gemmTime > 0.5 * results[0].computeMs)
    }

    @Test func denseBatchOneDecodeIsBoundByReadingTheWeightsPlusFixedKernelCosts() throws {
        let e = try decode("llama-3-70b", "h100-sxm", gpus: 8, tp: 8, batch: 1, context: 1024)
        let model = try catalog.model("llama-3-70b"), cal = try catalog.calibration()
        let graph = OpGraph(model: model, workload: .decode(batch: 8, context: 1024), precision: .fp8)
        let weights = graph.totalParameters / 8                      // FP8 bytes per GPU
        let g = try catalog.gpu("h100-sxm")
        let stream = weights / (g.hbmTBps * 1e12 * cal.gemm.memoryEfficiency) * 1e3
        let gemms = e.ops.filter { $0.kind == "gemm" || $0.kind == "lmHead" }
        // The projections stream their weights at the DeepGEMM fit's HBM fraction.
        let memory = gemms.reduce(0) { $0 + $1.memoryMs }
        #expect(abs(memory / stream - 1) < 0.02)
        #expect(gemms.filter { $0.bound == "memory" }.count >= gemms.count / 2)
        // Per-layer fixed costs are real and listed: ~10 launches of 3.8 µs per layer on 80 layers.
        let fixed = e.ops.filter { $0.kind != "communication" }.reduce(0) { $0 + $1.fixedMs }
        #expect(fixed > 0.2 * stream && fixed < 2 * stream)
        #expect(e.computeMs >= stream + fixed && e.computeMs < 1.15 * (stream + fixed))
        #expect(e.communicationMs > 0)                               // TP all-reduce over NVLink
    }

    @Test func throughputLatencyAndCostAreConsistent() throws {
        let e = try decode("deepseek-v3", "h800-sxm", gpus: 144, ep: 144, batch: 64, overlap: true)
        #expect(abs(e.tokensPerSecondPerGPU - 64 / (e.tpotMs! / 1e3)) < 1e-6)
        #expect(e.tokensPerSecondPerNode == 8 * e.tokensPerSecondPerGPU)
        #expect(abs(e.usdPerMillionTokens! - 2 / (e.tokensPerSecondPerGPU * 3600) * 1e6) < 1e-9)
        // Layer by layer the longer stream sets the time; the shorter is hidden, not removed.
        #expect(e.stepMs >= max(e.computeMs, e.communicationMs) && e.stepMs < e.computeMs + e.communicationMs)
        let moe = try #require(e.layers.first { $0.kind == "moe" })
        #expect(abs(moe.timeMs - max(moe.computeMs, moe.communicationMs)) < 1e-9)
        let hidden = e.ops.filter { $0.bound == "overlap" }
        #expect(!hidden.isEmpty && hidden.allSatisfy { $0.hiddenMs > 0 && $0.timeMs > 0 })
        let serial = try decode("deepseek-v3", "h800-sxm", gpus: 144, ep: 144, batch: 64, overlap: false)
        #expect(abs(serial.stepMs - (serial.computeMs + serial.communicationMs)) < 1e-9)
        #expect(e.kvCacheBytesPerToken == 35_136 * 2)
    }

    @Test func twoMicroBatchOverlapHidesCommunicationButReadsWeightsTwice() throws {
        let serial = try decode("deepseek-v3", "h800-sxm", gpus: 128, ep: 128, batch: 128)
        let overlapped = try decode("deepseek-v3", "h800-sxm", gpus: 128, ep: 128, batch: 128, overlap: true)
        #expect(overlapped.tpotMs! < serial.tpotMs!)
        #expect(overlapped.computeMs > serial.computeMs)       // memory-bound GEMMs stream their weights twice
        let qb = try op(serial, "q_b_proj"), qbOverlapped = try op(overlapped, "q_b_proj")
        let weights: Double = 1536.0 * 128 * 192 * 61            // q_b_proj, FP8, all layers
        #expect(abs((qbOverlapped.bytesPerGPU - qb.bytesPerGPU) / weights - 1) < 0.01)
        #expect(qbOverlapped.flopsPerGPU == qb.flopsPerGPU)
        let one = try decode("deepseek-r1-distill-qwen-7b", "h100-sxm", gpus: 1, batch: 1, overlap: true)
        #expect(one.notes.contains { $0.contains("cannot be split") })
    }

    @Test func aBatchThatDoesNotFitIsEstimatedAtTheLargestThatFits() throws {
        let e = try decode("deepseek-v3", "h800-sxm", gpus: 144, ep: 144, batch: 1)
        let max = try #require(e.maxBatchPerGPU)
        let atMax = try decode("deepseek-v3", "h800-sxm", gpus: 144, ep: 144, batch: max)
        #expect(atMax.sizePerGPU == max && atMax.requestedSizePerGPU == max)
        let over = try decode("deepseek-v3", "h800-sxm", gpus: 144, ep: 144, batch: max * 4)
        #expect(over.sizePerGPU == max && over.requestedSizePerGPU == max * 4)
        #expect(over.tpotMs == atMax.tpotMs && over.tokensPerSecondPerGPU == atMax.tokensPerSecondPerGPU)
        #expect(over.notes.contains { $0.contains("asked \(max * 4) sequences") && $0.contains("largest that fits, \(max)") })
        // A search asks to refuse instead, naming the largest batch.
        #expect {
            _ = try decode("deepseek-v3", "h800-sxm", gpus: 144, ep: 144, batch: max + 1, fit: false)
        } throws: { error in
            guard case let SimulatorError.doesNotFit(_, _, reported, _) = error else { return false }
            return reported == max && "\(error)".contains("largest batch that fits is \(max)")
        }
    }

    @Test func weightsThatDoNotFitAreRefusedSayingByHowMuch() throws {
        // DeepSeek-V3 FP8 on one 8-GPU H800 node with EP8 and no TP: 32 experts per GPU (~82 GB) plus the
        // replicated attention, dense layers, embedding and head (~17 GB) ≈ 99 GB > 72 GB usable.
        #expect {
            _ = try decode("deepseek-v3", "h800-sxm", gpus: 8, ep: 8, batch: 8)
        } throws: { error in
            guard case let SimulatorError.doesNotFit(needed, available, maxBatch, detail) = error else { return false }
            return maxBatch == 0 && needed > 95 && needed < 100 && abs(available - 72) < 1e-9
                && detail.contains(String(format: "%.1f GB more", needed - available))
        }
    }

    @Test func r1PrefillOnOneH20NodeFitsAtASmallerBatch() throws {
        // One 8-GPU H20 node (96 GB), TP8, FP8: the weights (~84 GB per GPU) fit in the 86.4 GB usable;
        // the default 16K tokens per GPU of KV cache do not, so the largest whole-prompt batch is estimated.
        let e = try prefill("deepseek-r1", "h20", gpus: 8, tp: 8)
        #expect(e.weightsGBPerGPU > 80 && e.weightsGBPerGPU < 86.4)
        let size = try #require(e.sizePerGPU)
        #expect(size < 16384 && size * 8 % 4096 == 0)
        #expect(e.weightsGBPerGPU + e.kvCacheGBPerGPU <= 86.4)
        #expect(e.tokensPerSecondPerGPU > 0 && e.extrapolated == false)
    }

    @Test func impossibleLayoutsAreReportedNotClamped() throws {
        func reason(_ body: () throws -> Estimate) -> String {
            do { _ = try body(); return "" } catch { return "\(error)" }
        }
        #expect(reason { try decode("deepseek-v3", "h800-sxm", gpus: 512, ep: 512, batch: 8) }
            .contains("ep 512 is larger than the expert count 256"))
        #expect(reason { try decode("deepseek-v3", "h800-sxm", gpus: 24, tp: 3, batch: 8) }
            .contains("tp 3 does not divide the 128 attention heads"))
        #expect(reason { try decode("llama-3-70b", "h800-sxm", gpus: 8, tp: 8, ep: 2, batch: 8) }
            .contains("has no experts"))
        #expect(reason { try decode("deepseek-v3", "h800-sxm", gpus: 12, tp: 8, batch: 8) }
            .contains("does not divide the 12 GPUs"))
        #expect(reason { try decode("deepseek-v3", "h800-sxm", gpus: 8, ep: 8, batch: 8) }.contains("does not fit in HBM"))
        #expect(reason { try decode("deepseek-v3", "h800-sxm", gpus: 16, tp: Int.max / 2, pp: 4, batch: 8) }
            .contains("exceeds the 16 GPUs"))
        #expect(throws: SimulatorError.impossibleLayout("dp 3 × tp 1 × pp 1 = 3 ≠ 16 GPUs")) {
            try Deployment(gpus: 16).validate(model: try catalog.model("deepseek-v3"), dp: 3)
        }
        #expect(throws: SimulatorError.unsupportedDtype(gpu: "a100-sxm-80gb", dtype: "fp8")) {
            _ = try decode("deepseek-r1-distill-qwen-7b", "a100-sxm-80gb", gpus: 1, batch: 1)
        }
    }

    @Test func pipelineParallelismAddsSendReceiveAndKeepsPerGPUThroughputSimilar() throws {
        let flat = try decode("llama-3-70b", "h100-sxm", gpus: 8, tp: 8, batch: 16)
        let piped = try decode("llama-3-70b", "h100-sxm", gpus: 16, tp: 8, pp: 2, batch: 16)
        #expect(piped.ops.contains { $0.name == "pp_send_recv" })
        #expect(abs(piped.tokensPerSecondPerGPU / flat.tokensPerSecondPerGPU - 1) < 0.1)
    }
}
