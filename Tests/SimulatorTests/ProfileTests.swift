import Foundation
import Testing
import Models
@testable import Simulator

@Suite struct ProfileTests {
    let catalog = HardwareCatalog()

    @Test func everyRequiredGPUProfileLoadsWithSourcedNumbers() throws {
        let required = ["h100-sxm", "h100-pcie", "h800-sxm", "h800-pcie", "a100-sxm-80gb", "a800-sxm", "h20", "h200", "b200"]
        let ids = try catalog.gpuIDs()
        for id in required {
            #expect(ids.contains(id))
            let g = try catalog.gpu(id)
            for key in ["denseTFLOPS", "hbmGB", "hbmTBps", "nvlinkGBps", "pcieGBps", "nicGbpsPerGPU", "dieAreaMM2", "tdpW",
                        "efficiency.clock", "efficiency.gemm", "efficiency.attention", "efficiency.hbm", "efficiency.nvlink",
                        "efficiency.network", "efficiency.training"] {
                #expect(!(g.sources[key] ?? "").isEmpty, "\(id) lacks a source for \(key)")
            }
        }
    }

    @Test func h800IsAnH100WithNVLinkCutTo400() throws {
        let h800 = try catalog.gpu("h800-sxm"), h100 = try catalog.gpu("h100-sxm")
        #expect(h800.denseTFLOPS.bf16 == h100.denseTFLOPS.bf16 && h800.denseTFLOPS.fp8 == h100.denseTFLOPS.fp8)
        #expect(h800.hbmTBps == h100.hbmTBps && h800.hbmGB == h100.hbmGB)
        #expect(h800.nvlinkGBps == 400 && h100.nvlinkGBps == 900)
        // ~160 GB/s achievable per direction ([ISCA25] §4.3).
        #expect(abs(h800.sustainedNVLinkPerDirection - 160e9) < 1e6)
    }

    @Test func unknownGPUListsTheKnownIds() {
        #expect {
            _ = try catalog.gpu("h900")
        } throws: { error in
            "\(error)".contains("unknown gpu 'h900'") && "\(error)".contains("h800-sxm") && "\(error)".contains("h20")
        }
    }

    func withEditedCopy(of id: String, dir sub: String, _ edit: (inout [String: Any]) -> Void) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ktune-sim-\(UUID().uuidString)")
        let dir = root.appendingPathComponent(sub)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let src = catalog.profiles.appendingPathComponent(sub).appendingPathComponent(id + ".json")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: src)) as? [String: Any])
        edit(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: dir.appendingPathComponent(id + ".json"))
        return root
    }

    func expectMalformed(_ id: String, _ sub: String, field: String, _ edit: (inout [String: Any]) -> Void) throws {
        let root = try withEditedCopy(of: id, dir: sub, edit)
        defer { try? FileManager.default.removeItem(at: root) }
        let cat = HardwareCatalog(profiles: root)
        #expect {
            switch sub {
            case "gpus": _ = try cat.gpu(id)
            case "calibration": _ = try cat.calibration(id)
            case "validation": _ = try cat.validationTable(id)
            default: _ = try cat.rule(id)
            }
        } throws: { error in
            guard case let ProfileError.malformed(file, f, _) = error else { return false }
            return file.hasSuffix("\(sub)/\(id).json") && f == field
        }
    }

    @Test func malformedGPUAndRuleFilesNameTheFileAndField() throws {
        try expectMalformed("h800-sxm", "gpus", field: "hbmGB") { $0["hbmGB"] = "eighty" }
        try expectMalformed("h800-sxm", "gpus", field: "nvlinkGBps") { $0.removeValue(forKey: "nvlinkGBps") }
        try expectMalformed("h800-sxm", "gpus", field: "efficiency.gemm") {
            var e = $0["efficiency"] as! [String: Any]; e["gemm"] = 1.5; $0["efficiency"] = e
        }
        try expectMalformed("h800-sxm", "gpus", field: "denseTFLOPS.bf16") {
            var d = $0["denseTFLOPS"] as! [String: Any]; d["bf16"] = "fast"; $0["denseTFLOPS"] = d
        }
        try expectMalformed("h800-sxm", "gpus", field: "sources.dieAreaMM2") {
            var s = $0["sources"] as! [String: Any]; s.removeValue(forKey: "dieAreaMM2"); $0["sources"] = s
        }
        try expectMalformed("3A090-2023", "rules", field: "classes[0].anyOf[0][0].metric") {
            var classes = $0["classes"] as! [[String: Any]]
            classes[0]["anyOf"] = [[["metric": "flops", "min": 1]]]
            $0["classes"] = classes
        }
    }

    @Test func outOfRangeGPUFieldsAreErrorsNamingTheField() throws {
        try expectMalformed("h800-sxm", "gpus", field: "hbmTBps") { $0["hbmTBps"] = 0 }
        try expectMalformed("h800-sxm", "gpus", field: "hbmTBps") { $0["hbmTBps"] = 1e300 }
        try expectMalformed("h800-sxm", "gpus", field: "sms") { $0.removeValue(forKey: "sms") }
        try expectMalformed("h800-sxm", "gpus", field: "sms") { $0["sms"] = -4 }
        try expectMalformed("h800-sxm", "gpus", field: "nvlinkLatencyUs") { $0["nvlinkLatencyUs"] = -1 }
        try expectMalformed("h800-sxm", "gpus", field: "denseTFLOPS.fp8") {
            var d = $0["denseTFLOPS"] as! [String: Any]; d["fp8"] = -5; $0["denseTFLOPS"] = d
        }
    }

    @Test func calibrationAndValidationFilesAreCheckedFieldByField() throws {
        try expectMalformed("h800-deepseek", "calibration", field: "gemm.maxEfficiency") {
            var g = $0["gemm"] as! [String: Any]; g["maxEfficiency"] = 1.7; $0["gemm"] = g
        }
        try expectMalformed("h800-deepseek", "calibration", field: "lowLatency.dispatchFixedUs") {
            var g = $0["lowLatency"] as! [String: Any]; g.removeValue(forKey: "dispatchFixedUs"); $0["lowLatency"] = g
        }
        try expectMalformed("h800-deepseek", "calibration", field: "normal.smsReserved") {
            var g = $0["normal"] as! [String: Any]; g["smsReserved"] = 500; $0["normal"] = g
        }
        try expectMalformed("h800-deepseek", "calibration", field: "sources.experts") {
            var g = $0["sources"] as! [String: Any]; g.removeValue(forKey: "experts"); $0["sources"] = g
        }
        try expectMalformed("components", "validation", field: "cases[0].tolerance") {
            var cases = $0["cases"] as! [[String: Any]]; cases[0]["tolerance"] = 0; $0["cases"] = cases
        }
        try expectMalformed("components", "validation", field: "cases[2].inputs.m") {
            var cases = $0["cases"] as! [[String: Any]]; var i = cases[2]["inputs"] as! [String: Any]
            i.removeValue(forKey: "m"); cases[2]["inputs"] = i; $0["cases"] = cases
        }
        try expectMalformed("components", "validation", field: "cases[1].published") {
            var cases = $0["cases"] as! [[String: Any]]; cases[1]["published"] = -3; $0["cases"] = cases
        }
    }

    @Test func everyCalibrationNumberHasASource() throws {
        let c = try catalog.calibration()
        let h800 = try catalog.gpu("h800-sxm")
        #expect(c.gpu == "h800-sxm" && c.architecture == h800.architecture)
        // The reference fractions are the calibration GPU's profile fractions.
        let e = try catalog.gpu("h800-sxm").efficiency
        #expect(c.reference.gemm == e.gemm && c.reference.hbm == e.hbm && c.reference.attention == e.attention
                && c.reference.nvlink == e.nvlink && c.reference.network == e.network)
        for key in ["gemm", "attention", "elementwise", "normal", "lowLatency", "experts", "reference"] {
            #expect(!(c.sources[key] ?? "").isEmpty)
        }
    }

    @Test func absurdKnobsAreRejectedByName() throws {
        let h800 = try catalog.gpu("h800-sxm")
        for (knob, value) in [("hbm", 0.0), ("hbmGB", 0), ("bf16", 0), ("nic", 0), ("hbm", 1e300), ("compute", .nan), ("sms", 0.5),
                              ("gpusPerNode", 1e12)] {
            #expect(throws: SimulatorError.self, "\(knob)=\(value)") { _ = try h800.applying([(knob, value)]) }
        }
        #expect { _ = try GPUProfile.parseSettings(["hbm=nan"]) } throws: { "\($0)".contains("--set hbm") }
        #expect { _ = try h800.applying([("hbm", 0)]) } throws: { "\($0)".contains("--set hbm") && "\($0)".contains("positive") }
        // NVLink 0 is a real chip (PCIe between GPUs); fp8 0 removes the unit.
        let pcieOnly = try h800.applying([("nvlink", 0), ("fp8", 0)])
        #expect(pcieOnly.nvlinkGBps == 0 && pcieOnly.denseTFLOPS.fp8 == nil)
    }

    @Test func knobsMakeAHypotheticalGPUAndUnknownKnobsListTheKnownOnes() throws {
        let h800 = try catalog.gpu("h800-sxm")
        let g = try h800.applying(GPUProfile.parseSettings(["nvlink=200", "hbm=4"]))
        #expect(g.nvlinkGBps == 200 && g.hbmTBps == 4 && g.derivedFrom == "h800-sxm" && g.id == "h800-sxm+nvlink=200,hbm=4")
        #expect(throws: SimulatorError.unknownKnob("warp", known: GPUProfile.knobs.map(\.name))) {
            _ = try h800.applying([("warp", 9)])
        }
        #expect(throws: SimulatorError.self) { _ = try GPUProfile.parseSettings(["nvlink"]) }
        #expect(throws: SimulatorError.self) { _ = try h800.applying([("gemmEff", 2)]) }
    }
}
