import Testing
import Models
@testable import Simulator

@Suite struct InferenceTests {
    let catalog = HardwareCatalog()

    func decode(_ model: String, _ gpu: String, gpus: Int, tp: Int = 1, ep: Int = 1, pp: Int = 1, batch: Int,
                context: Int = 4096, overlap: Bool = false, knobs: [(String, Double)] = []) throws -> Estimate {
        let g = try catalog.gpu(gpu).applying(knobs)
        return try InferenceSimulator.estimate(InferenceRequest(
            model: catalog.model(model), gpu: g, layout: Deployment(gpus: gpus, tp: tp, ep: ep, pp: pp),
            phase: .decode(batchPerGPU: batch, contextLength: context), overlap: overlap, pricePerGPUHour: 2))
    }

    func op(_ e: Estimate, _ name: String) throws -> OpEstimate { try #require(e.ops.first { $0.name == name }) }

    @Test func h800AndH100DifferOnCrossNodeExpertParallelDecodeThroughNVLinkOnly() throws {
        // 2 nodes, EP16: each token crosses the network once per remote node, then NVLink forwards it to
        // the other target GPUs — on H800 the 160 GB/s NVLink becomes the bottleneck ([ISCA25] §4.3).
        let h800 = try decode("deepseek-v3", "h800-sxm", gpus: 16, ep: 16, batch: 32)
        let h100 = try decode("deepseek-v3", "h100-sxm", gpus: 16, ep: 16, batch: 32)
        #expect(h800.tpotMs! > h100.tpotMs!)
        #expect(h800.computeMs == h100.computeMs)
        #expect(h800.communicationMs > 1.2 * h100.communicationMs)
        #expect(try op(h800, "dispatch").bound == "nvlink")
        #expect(try op(h100, "dispatch").bound == "network")
        // Same difference when the H100 is throttled to 400 GB/s NVLink by a knob.
        let throttled = try decode("deepseek-v3", "h100-sxm", gpus: 16, ep: 16, batch: 32, knobs: [("nvlink", 400)])
        #expect(throttled.tpotMs == h800.tpotMs)
    }

    @Test func atEighteenNodesTheNetworkBoundsBothH800AndH100() throws {
        let h800 = try decode("deepseek-v3", "h800-sxm", gpus: 144, ep: 144, batch: 128)
        let h100 = try decode("deepseek-v3", "h100-sxm", gpus: 144, ep: 144, batch: 128)
        #expect(try op(h800, "dispatch").bound == "network")
        #expect(h800.tpotMs == h100.tpotMs)
        // Halving the NIC doubles the network part.
        let slowNIC = try decode("deepseek-v3", "h800-sxm", gpus: 144, ep: 144, batch: 128, knobs: [("nic", 200)])
        #expect(slowNIC.communicationMs > 1.8 * h800.communicationMs)
    }

    @Test func computeBoundSingleGPUPrefillIsEqualOnH800AndH100() throws {
        var results: [Estimate] = []
        for gpu in ["h800-sxm", "h100-sxm"] {
            results.append(try InferenceSimulator.estimate(InferenceRequest(
                model: catalog.model("deepseek-r1-distill-qwen-7b"), gpu: catalog.gpu(gpu), layout: Deployment(gpus: 1),
                phase: .prefill(tokensPerGPU: 8192, inputLength: 8192, cachedLength: 0), precision: .bf16)))
        }
        #expect(results[0].ttftMs == results[1].ttftMs)
        #expect(results[0].tokensPerSecondPerGPU == results[1].tokensPerSecondPerGPU)
        #expect(results[0].communicationMs == 0)
        let gemmTime = results[0].ops.filter { $0.kind == "gemm" && $0.bound == "compute" }.reduce(0) { $0 + $1.timeMs }
        #expect(gemmTime > 0.5 * results[0].computeMs)
    }

    @Test func denseBatchOneDecodeIsBoundByReadingTheWeights() throws {
        let e = try decode("llama-3-70b", "h100-sxm", gpus: 8, tp: 8, batch: 1, context: 1024)
        let model = try catalog.model("llama-3-70b")
        let graph = OpGraph(model: model, workload: .decode(batch: 8, context: 1024), precision: .fp8)
        let weights = graph.totalParameters / 8                      // FP8 bytes per GPU
        let g = try catalog.gpu("h100-sxm")
        let floor = weights / g.sustainedHBM * 1e3
        #expect(e.computeMs > floor && e.computeMs < 1.15 * floor)
        #expect(e.communicationMs > 0)                               // TP all-reduce over NVLink
    }

    @Test func throughputLatencyAndCostAreConsistent() throws {
        let e = try decode("deepseek-v3", "h800-sxm", gpus: 144, ep: 144, batch: 64, overlap: true)
        #expect(abs(e.tokensPerSecondPerGPU - 64 / (e.tpotMs! / 1e3)) < 1e-6)
        #expect(e.tokensPerSecondPerNode == 8 * e.tokensPerSecondPerGPU)
        #expect(abs(e.usdPerMillionTokens! - 2 / (e.tokensPerSecondPerGPU * 3600) * 1e6) < 1e-9)
        #expect(e.stepMs == max(e.computeMs, e.communicationMs))
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

    @Test func maxBatchIsTheLargestBatchThatFits() throws {
        let e = try decode("deepseek-v3", "h800-sxm", gpus: 144, ep: 144, batch: 1)
        let max = try #require(e.maxBatchPerGPU)
        _ = try decode("deepseek-v3", "h800-sxm", gpus: 144, ep: 144, batch: max)
        #expect {
            _ = try decode("deepseek-v3", "h800-sxm", gpus: 144, ep: 144, batch: max + 1)
        } throws: { error in
            guard case let SimulatorError.doesNotFit(_, _, reported, _) = error else { return false }
            return reported == max && "\(error)".contains("largest batch that fits is \(max)")
        }
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
