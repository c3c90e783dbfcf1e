import Testing
import Models
@testable import Simulator

@Suite struct SearchTests {
    let catalog = HardwareCatalog()

    @Test func deploymentSearchFindsTheBestFeasibleLayoutAndCountsRejections() throws {
        let model = try catalog.model("deepseek-v3"), gpu = try catalog.gpu("h800-sxm")
        let w = SearchWorkload(model: model, calibration: try catalog.calibration(), decode: true, contextLength: 4096, latencyLimitMs: 50)
        let result = DeploymentSearch.best(w, gpu: gpu, gpuCounts: [64, 128], sizes: [32, 64, 128])
        let best = try #require(result.best)
        #expect(best.tpotMs! <= 50)
        #expect(result.evaluated == result.feasible + result.rejected.values.reduce(0, +))
        #expect((result.rejected["does not fit"] ?? 0) > 0)
        // No candidate we can name beats it.
        let direct = try InferenceSimulator.estimate(w.request(gpu: gpu, layout: Deployment(gpus: 128, ep: 128), size: 128))
        #expect(best.tokensPerSecondPerGPU >= direct.tokensPerSecondPerGPU)
    }

    @Test func bestChipUnderThe2023RuleIsUncontrolledAndKeepsTPPBelowTheBand() throws {
        let model = try catalog.model("deepseek-r1-distill-qwen-32b")
        let rule = try catalog.rule("3A090-2023")
        let w = SearchWorkload(model: model, calibration: try catalog.calibration(), precision: .bf16, decode: true, contextLength: 2048)
        let result = DeploymentSearch.bestChip(w, base: try catalog.gpu("h100-sxm"), rule: rule,
                                               layout: Deployment(gpus: 8, tp: 8), size: 64)
        let chip = try #require(result.chip)
        #expect(!rule.evaluate(chip).isControlled)
        #expect(ExportMetrics(gpu: chip).tpp < 2400)
        #expect((result.rejected["controlled"] ?? 0) > 0)
        #expect(chip.hbmTBps == 8)                 // memory bandwidth is not controlled: take the most
    }
}
