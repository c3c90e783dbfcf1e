import Foundation
import Testing
import ArgumentParser
@testable import ktune

@Suite struct SimulateCommandTests {
    @Test func countsAcceptUnitSuffixes() throws {
        #expect(try parseCount("14.8T", flag: "--tokens") == 14.8e12)
        #expect(try parseCount("62.9B", flag: "--tokens") == 62.9e9)
        #expect(try parseCount("5K", flag: "--tokens") == 5e3)
        #expect(try parseCount("2e9", flag: "--tokens") == 2e9)
        #expect(throws: (any Error).self) { try parseCount("lots", flag: "--tokens") }
        #expect(throws: (any Error).self) { try parseCount("1e300T", flag: "--tokens") }
        #expect(throws: (any Error).self) { try parseCount("nan", flag: "--tokens") }
        #expect(throws: (any Error).self) { try parseCount("0", flag: "--tokens") }
    }

    /// The error text of a command line, or "" when it succeeds; the output must never carry inf/nan.
    func failure<C: ParsableCommand>(_ type: C.Type, _ args: [String], output: (C) throws -> String) -> String {
        do {
            let text = try output(try type.parse(args))
            #expect(!text.contains("inf") && !text.contains("nan"), "\(args): \(text.prefix(300))")
            return ""
        } catch {
            return type.message(for: error)
        }
    }

    @Test func absurdInferenceFlagsAreClearErrorsNamingTheFlag() {
        func inference(_ args: [String]) -> String { failure(SimulateInference.self, args) { try $0.output() } }
        let cases: [([String], String)] = [
            (["--set", "hbm=0"], "--set hbm"),
            (["--set", "hbmGB=1e300"], "--set hbmGB"),
            (["--set", "compute=nan"], "--set compute"),
            (["--nodes", "\(Int.max / 2)", "--ep", "8"], "--nodes"),
            (["--nodes", "-3"], "--nodes"),
            (["--gpus", "0"], "--gpus"),
            (["--tp", "\(Int.max / 4)", "--pp", "8"], "--tp"),
            (["--gpus", "16", "--tp", "65536", "--pp", "65536"], "tp 65536 × pp 65536 exceeds the 16 GPUs"),
            (["--gpus", "144", "--ep", "144", "--tokens", "1e300T"], "--tokens"),
            (["--gpus", "144", "--ep", "144", "--price", "nan"], "--price"),
            (["--gpus", "144", "--ep", "144", "--price", "-2"], "--price"),
            (["--gpus", "144", "--ep", "144", "--batch", "0"], "--batch"),
            (["--gpus", "144", "--ep", "144", "--batch", "\(Int.max)"], "--batch"),
            (["--gpus", "144", "--ep", "144", "--context-len", "-1"], "--context-len"),
            (["--gpus", "144", "--ep", "144", "--expert-skew", "nan"], "--expert-skew"),
            (["--gpus", "144", "--ep", "144", "--redundant-experts", "-1"], "--redundant-experts"),
            (["--gpus", "144", "--ep", "144", "--memory-fraction", "0"], "--memory-fraction"),
            (["--gpus", "32", "--ep", "32", "--phase", "prefill", "--tokens-per-gpu", "\(1 << 40)"], "--tokens-per-gpu"),
            (["--calibration", "nope"], "unknown calibration 'nope'"),
            // A knob that may be 0 (none) is not 1e-300: that printed a step of 10^302 ms.
            (["--gpus", "16", "--ep", "16", "--set", "nvlink=1e-300"], "--set nvlink"),
            (["--gpus", "16", "--ep", "16", "--set", "fp8=1e-300"], "--set fp8"),
            (["--gpus", "16", "--ep", "16", "--tokens", "1e-300"], "--tokens: '1e-300' is below 1"),
        ]
        for (args, expected) in cases {
            let text = inference(args)
            #expect(text.contains(expected), "\(args) → \(text)")
        }
    }

    @Test func extremeButValidChipsGiveFiniteAnswers() throws {
        // A 1-SM chip still keeps SMs for compute while the all-to-all overlaps; no negative counts or inf.
        let text = try SimulateInference.parse(["--set", "sms=1", "--gpus", "16", "--ep", "16", "--overlap", "--phase", "prefill"]).output()
        #expect(!text.contains("-1") && !text.contains("inf") && !text.contains("nan"))
        let search = failure(SimulateSearch.self, ["--context-len", "-1", "--node-counts", "1"]) { try $0.run(); return "" }
        #expect(search.contains("--context-len"))
    }

    @Test func absurdTrainingFlagsAreClearErrors() {
        func training(_ args: [String]) -> String { failure(SimulateTraining.self, ["--gpus", "2048", "--ep", "64", "--pp", "16"] + args) { try $0.output() } }
        #expect(training(["--tokens", "1e300T"]).contains("--tokens"))
        #expect(training(["--tokens", "14.8T", "--price", "nan"]).contains("--price"))
        #expect(training(["--tokens", "14.8T", "--mfu", "nan"]).contains("--mfu"))
        // 1e-300 of peak made the GPU-hours infinite (an error naming the output, not the flag).
        #expect(training(["--tokens", "14.8T", "--mfu", "1e-300"]).contains("--mfu: 1e-300 is not valid"))
        #expect(training(["--tokens", "1e-300"]).contains("--tokens: '1e-300' is below 1"))
        #expect(training(["--tokens", "14.8T", "--set", "nvlink=1e-300"]).contains("--set nvlink"))
        #expect(training(["--tokens", "14.8T", "--seq-len", "\(Int.max)"]).contains("--seq-len"))
        #expect(training(["--tokens", "14.8T", "--extra-gpu-hours", "1e300T"]).contains("--extra-gpu-hours"))
        #expect(failure(SimulateTraining.self, ["--nodes", "\(Int.max)", "--tokens", "1T"]) { try $0.output() }.contains("--nodes"))
        #expect(training(["--tokens", "14.8T"]) == "")
    }

    @Test func validateCommandPrintsEveryCaseAndTheMAPE() throws {
        let (text, failures) = try SimulateValidate.parse([]).output()
        #expect(failures == 0)
        #expect(text.contains("deepgemm-4096x7168x16384") && text.contains("deepep-ll-ep256-combine")
                && text.contains("flashmla-decode-compute-bound") && text.contains("deepseek-v3-pretraining"))
        #expect(text.contains("MAPE") && text.contains("held-out"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(SimulateValidate.parse(["--json"]).output().0.utf8)) as? [String: Any])
        let cases = try #require(json["cases"] as? [[String: Any]])
        #expect(cases.count >= 38 && (json["mape"] as? Double ?? 1) < 0.05)
        #expect(cases.allSatisfy { ($0["withinTolerance"] as? Bool) == true })
    }

    @Test func inferenceTextExplainsEachOpsBoundAndLaw() throws {
        let text = try SimulateInference.parse(["--gpus", "32", "--ep", "32", "--phase", "prefill", "--overlap"]).output()
        for word in ["bound", "eff", "law from", "DeepGEMM fit", "DeepEP normal fit", "FlashMLA", "overlap", "set by"] {
            #expect(text.contains(word), "missing \(word)")
        }
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
        let ops = try #require(json["ops"] as? [[String: Any]])
        #expect(!ops.isEmpty)
        for key in ["name", "kind", "count", "timeMs", "computeMs", "memoryMs", "communicationMs", "fixedMs", "hiddenMs",
                    "bound", "efficiency", "source", "flopsPerGPU", "bytesPerGPU"] {
            #expect(ops[0].keys.contains(key), "op lacks \(key)")
        }
        for key in ["layers", "sizePerGPU", "requestedSizePerGPU", "expertImbalance", "calibration", "extrapolated"] {
            #expect(json.keys.contains(key), "missing \(key)")
        }
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
        #expect(message(["--gpus", "8", "--ep", "8"]).contains("GB more than"))
        #expect(message(["--set", "warp=9"]).contains("known knobs: nvlink"))
        #expect(message(["--gpus", "16", "--ep", "16", "--dp", "3"]).contains("dp 3"))
    }
}
