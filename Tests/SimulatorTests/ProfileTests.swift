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
            if sub == "gpus" { _ = try cat.gpu(id) } else { _ = try cat.rule(id) }
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
