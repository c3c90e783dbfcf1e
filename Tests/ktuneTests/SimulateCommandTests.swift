import Foundation
import Testing
@testable import ktune

@Suite struct SimulateCommandTests {
    @Test func countsAcceptUnitSuffixes() throws {
        #expect(try parseCount("14.8T", flag: "--tokens") == 14.8e12)
        #expect(try parseCount("62.9B", flag: "--tokens") == 62.9e9)
        #expect(try parseCount("5K", flag: "--tokens") == 5e3)
        #expect(try parseCount("2e9", flag: "--tokens") == 2e9)
        #expect(throws: (any Error).self) { try parseCount("lots", flag: "--tokens") }
    }

    @Test func trainingCommandReproducesDeepSeekV3Cost() throws {
        let command = try SimulateTraining.parse([
            "--model", "deepseek-v3", "--gpu", "h800-sxm", "--gpus", "2048", "--pp", "16", "--ep", "64",
            "--tokens", "14.8T", "--seq-len", "4096", "--extra-phase", "32768:62.9B", "--extra-phase", "131072:62.9B",
            "--extra-gpu-hours", "5K", "--price", "2", "--json"])
        let json = try JSONSerialization.jsonObject(with: Data(try command.output().utf8)) as? [String: Any]
        let hours = try #require(json?["gpuHours"] as? Double)
        let cost = try #require(json?["costUSD"] as? Double)
        #expect(abs(hours / 2_788_000 - 1) < 0.05)
        #expect(abs(cost / 5_576_000 - 1) < 0.05)
    }

    @Test func inferenceJSONCarriesTheAgreedKeys() throws {
        let command = try SimulateInference.parse([
            "--model", "deepseek-v3", "--gpu", "h800-sxm", "--nodes", "18", "--ep", "144", "--phase", "decode",
            "--batch", "64", "--context-len", "4096", "--overlap", "--price", "2", "--json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(try command.output().utf8)) as? [String: Any])
        for key in ["tokensPerSecondPerGPU", "tokensPerSecondPerNode", "ttftMs", "tpotMs", "gpuHours", "costUSD", "ops"] {
            #expect(json.keys.contains(key), "missing \(key)")
        }
        #expect((json["tpotMs"] as? Double ?? 0) > 0)
        #expect((json["ops"] as? [Any])?.isEmpty == false)
    }

    @Test func badNamesAndLayoutsAreErrorsThatSayWhy() throws {
        func message(_ args: [String]) -> String {
            do { _ = try SimulateInference.parse(args).output(); return "" } catch { return "\(error)" }
        }
        #expect(message(["--gpu", "H800-SXM", "--gpus", "144", "--ep", "144"]) == "")
        #expect(message(["--gpu", "h900"]).contains("known gpus: a100-sxm-80gb"))
        #expect(message(["--model", "gpt-5"]).contains("known models:"))
        #expect(message(["--nodes", "64", "--ep", "512"]).contains("larger than the expert count 256"))
        #expect(message(["--gpus", "8", "--ep", "8"]).contains("does not fit in HBM"))
        #expect(message(["--set", "warp=9"]).contains("known knobs: nvlink"))
        #expect(message(["--gpus", "16", "--ep", "16", "--dp", "3"]).contains("dp 3"))
    }
}
