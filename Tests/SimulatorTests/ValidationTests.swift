import Testing
import Models
@testable import Simulator

/// The validation table (profiles/validation/components.json) through the simulator's own laws: every
/// published component and training figure within its stated tolerance.
@Suite struct ValidationTests {
    let catalog = HardwareCatalog()

    func results() throws -> [ValidationResult] {
        try Validation.run(catalog.validationTable(), catalog: catalog, calibration: catalog.calibration())
    }

    @Test func everyCaseIsWithinItsTolerance() throws {
        let r = try results()
        #expect(r.count >= 38)
        for c in r { #expect(c.withinTolerance, "\(c.id): \(c.predicted) vs \(c.published) (\(c.error))") }
        #expect(Validation.mape(r) < 0.05)
    }

    @Test func theTableCoversEveryComponentFamilyWithHeldOutCases() throws {
        let r = try results()
        for kind in ["gemm", "attention", "alltoall", "training"] { #expect(r.contains { $0.kind == kind }, "no \(kind) case") }
        let held = r.filter { $0.use == "held-out" }
        #expect(held.contains { $0.id.hasPrefix("deepgemm-grouped") })
        #expect(held.contains { $0.id.hasPrefix("deepep-normal-ep128") })
        #expect(held.contains { $0.id == "deepseek-v3-context-extension" })
        // The pre-training case keeps the ±5% target (the training efficiency is fitted to it).
        let pre = try #require(r.first { $0.id == "deepseek-v3-pretraining" })
        #expect(abs(pre.error) < 0.05 && pre.tolerance == 0.05)
        // Both low-latency and normal kernels at every published EP size.
        for ep in [8, 16, 32, 64, 128, 256] { #expect(r.contains { $0.id == "deepep-ll-ep\(ep)-dispatch" }) }
        for ep in [8, 16, 32, 64, 128] { #expect(r.contains { $0.id == "deepep-normal-ep\(ep)-combine" }) }
    }

    @Test func aWorseCalibrationFailsTheTable() throws {
        // The check can fail: halve the GEMM law's ceiling and the DeepGEMM cases leave their tolerance.
        var cal = try catalog.calibration()
        cal.gemm.maxEfficiency /= 2
        let r = try Validation.run(catalog.validationTable(), catalog: catalog, calibration: cal)
        #expect(r.filter { $0.kind == "gemm" && !$0.withinTolerance }.count >= 6)
    }
}
