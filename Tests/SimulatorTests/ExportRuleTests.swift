import Testing
@testable import Simulator

@Suite struct ExportRuleTests {
    let catalog = HardwareCatalog()

    func verdict(_ gpu: String, _ rule: String) throws -> RuleVerdict {
        try catalog.rule(rule).evaluate(catalog.gpu(gpu))
    }

    @Test func tppIsDenseTFLOPSTimesBitLengthMaxOverDtypes() throws {
        let m = ExportMetrics(gpu: try catalog.gpu("h100-sxm"))
        #expect(m.tpp == 1979 * 8)       // FP8 1979 × 8 > BF16 989 × 16
        #expect(abs(m.pd - 1979.0 * 8 / 814) < 1e-9)
        #expect(m.io == 900 + 128)
    }

    @Test func h800IsCaughtByThe2023RuleButNotThe2022Rule() throws {
        let old = try verdict("h800-sxm", "3A090-2022"), new = try verdict("h800-sxm", "3A090-2023")
        #expect(!old.isControlled)
        #expect(old.reasons.joined().contains("IO 528 ≥ 600 ✗"))
        #expect(new.caughtBy == ["3A090.a"])
    }

    @Test func h20StaysUnderBothRules() throws {
        #expect(!(try verdict("h20", "3A090-2022")).isControlled)
        let v = try verdict("h20", "3A090-2023")
        #expect(!v.isControlled)
        #expect(v.metrics.tpp < 2400 && v.metrics.pd < 3.2)
    }

    @Test func a800PassesThe2022RuleAndIsCaughtIn2023() throws {
        #expect(!(try verdict("a800-sxm", "3A090-2022")).isControlled)
        #expect(try verdict("a100-sxm-80gb", "3A090-2022").isControlled)
        #expect(try verdict("a800-sxm", "3A090-2023").caughtBy == ["3A090.a"])
    }

    @Test func restoringH800NVLinkMakesIt2022Controlled() throws {
        let rule = try catalog.rule("3A090-2022")
        let g = try catalog.gpu("h800-sxm").applying([("nvlink", 900)])
        #expect(rule.evaluate(g).caughtBy == ["3A090 (2022)"])
    }

    @Test func the2023BandCatchesMidRangeDensity() throws {
        // An H20 with 15% more compute: TPP ≈ 2723 ≥ 2400 with PD 3.35 → 3A090.b.
        let g = try catalog.gpu("h20").applying([("compute", 1.15)])
        #expect(try catalog.rule("3A090-2023").evaluate(g).caughtBy == ["3A090.b"])
    }
}
