import Foundation
import Testing
import Models
@testable import Simulator

/// The calibrated kernel laws by shape, and how other GPUs inherit them.
@Suite struct KernelModelTests {
    let catalog = HardwareCatalog()

    func model(_ gpu: String, knobs: [(String, Double)] = []) throws -> KernelModel {
        KernelModel(gpu: try catalog.gpu(gpu).applying(knobs), calibration: try catalog.calibration())
    }

    func tflops(_ k: KernelModel, _ m: Double, _ n: Double, _ kk: Double, groups: Double = 1, reserved: Int = 0) throws -> Double {
        let t = try k.gemm(m: m, n: n, k: kk, groups: groups, dtype: "fp8", weightBytes: 1, inputBytes: 1, outputBytes: 2,
                           reservedSMs: reserved)
        return 2 * m * n * kk * groups / t.total / 1e12
    }

    @Test func smallMGEMMsAreFarFromPeakAndMemoryBound() throws {
        let h800 = try model("h800-sxm")
        let small = try h800.gemm(m: 64, n: 7168, k: 16384, dtype: "fp8", weightBytes: 1, inputBytes: 1, outputBytes: 2)
        let large = try h800.gemm(m: 4096, n: 7168, k: 16384, dtype: "fp8", weightBytes: 1, inputBytes: 1, outputBytes: 2)
        #expect(small.bound == "memory" && large.bound == "compute")
        #expect(try tflops(h800, 64, 7168, 16384) < 0.3 * tflops(h800, 4096, 7168, 16384))
        // Efficiency rises with M until the tiles fill the SMs.
        var last = 0.0
        for m in [1.0, 16, 64, 256, 1024, 4096] {
            let t = try tflops(h800, m, 7168, 16384)
            #expect(t > last)
            last = t
        }
        #expect(last < 1979 * 0.874)
    }

    @Test func tilesQuantizeIntoWavesOverTheSMs() throws {
        let h800 = try model("h800-sxm")
        // 132 SMs: an M=4096, N=7168 GEMM gets 128 × 128 tiles (32 × 56 = 1792 → 14 waves).
        let t = h800.tiling(m: 4096, n: 7168, groups: 1, sms: 132)
        #expect(t.blockM == 128 && t.waves == 14)
        // Small M uses 64-row tiles; N = 2112 picks a block that fills one wave exactly.
        let s = h800.tiling(m: 64, n: 2112, groups: 1, sms: 132)
        #expect(s.blockM == 64 && s.waves == 1 && (2112 / s.blockN).rounded(.up) == 132)
    }

    @Test func smsReservedForCommunicationSlowComputeBoundGEMMs() throws {
        let h800 = try model("h800-sxm")
        let all = try tflops(h800, 8192, 7168, 2048, groups: 8)
        let fewer = try tflops(h800, 8192, 7168, 2048, groups: 8, reserved: 20)
        #expect(fewer < all && fewer > all * 0.8)
    }

    @Test func sameDieGPUsInheritTheLawAtTheirOwnPeaksAndSMs() throws {
        let h800 = try model("h800-sxm"), h100 = try model("h100-sxm"), h20 = try model("h20")
        #expect(try tflops(h100, 4096, 7168, 16384) == tflops(h800, 4096, 7168, 16384))
        #expect(!h100.extrapolated && !h20.extrapolated)
        // H20: 296 FP8 TFLOP/s over 78 SMs — a large GEMM lands at the same fraction of its peak, within
        // the wave quantization of fewer SMs.
        let fraction20 = try tflops(h20, 4096, 7168, 16384) / 296, fraction800 = try tflops(h800, 4096, 7168, 16384) / 1979
        #expect(abs(fraction20 / fraction800 - 1) < 0.05)
        // A memory-bound GEMM is faster on H20's 4.0 TB/s than on H800's 3.35.
        #expect(try tflops(h20, 16, 7168, 16384) > tflops(h800, 16, 7168, 16384))
        // Ampere is another architecture: the law is marked extrapolated.
        #expect(try model("a100-sxm-80gb").extrapolated)
    }

    @Test func knobsScaleTheLawAgainstTheReferenceFractions() throws {
        let base = try model("h800-sxm"), slower = try model("h800-sxm", knobs: [("gemmEff", 0.785 / 2)])
        let b = try base.gemm(m: 4096, n: 7168, k: 16384, dtype: "fp8", weightBytes: 1, inputBytes: 1, outputBytes: 2)
        let s = try slower.gemm(m: 4096, n: 7168, k: 16384, dtype: "fp8", weightBytes: 1, inputBytes: 1, outputBytes: 2)
        #expect(abs(s.compute / b.compute - 2) < 1e-9)
        let wideNIC = try model("h800-sxm", knobs: [("nic", 800)])
        let routing = Routing(topK: 8, groups: 8, nodeGroups: 4)
        let a = base.allToAll(.lowLatency, combine: false, tokens: 128, ep: 64, routing: routing, bytesPerToken: 7392)
        let w = wideNIC.allToAll(.lowLatency, combine: false, tokens: 128, ep: 64, routing: routing, bytesPerToken: 7392)
        #expect(abs(a.time.network / w.time.network - 2) < 1e-9 && a.time.fixed == w.time.fixed)
    }

    @Test func lowLatencyAllToAllGrowsWithEPSizeAndNormalDeduplicatesPerNode() throws {
        let h800 = try model("h800-sxm")
        let routing = Routing(topK: 8, groups: 8, nodeGroups: 4)
        var last = 0.0
        for ep in [8, 16, 32, 64, 128, 256] {
            let t = h800.allToAll(.lowLatency, combine: true, tokens: 128, ep: ep, routing: routing, bytesPerToken: 14336).time.total
            #expect(t > last)
            last = t
        }
        // Node-limited routing: a token reaches at most 4 of 8 groups' nodes.
        let reach = routing.nodes(8)
        #expect(reach.distinct <= 4 && reach.distinct > 3)
        #expect(h800.allToAll(.normal, combine: false, tokens: 0, ep: 32, routing: routing, bytesPerToken: 7392).time == .zero)
        #expect(h800.allToAll(.normal, combine: false, tokens: 4096, ep: 1, routing: routing, bytesPerToken: 7392).time == .zero)
    }

    @Test func fixedDecimalFormattingMatchesPrintf() {
        for (v, d) in [(0.0, 2), (1.005, 2), (12.5, 0), (-3.14159, 3), (1234.5678, 1), (0.0004, 3), (-0.0004, 3), (7, 0)] {
            #expect(fixed(v, d) == String(format: "%.\(d)f", v) || (v == -0.0004 && fixed(v, d) == "0.000"), "\(v) \(d)")
        }
    }
}
