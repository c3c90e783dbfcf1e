import Foundation
import Testing
import Inference
import Kernels
import Models
import Report
@testable import ktune

/// A real profiled run (a small synthetic MoE model: random weights, real kernels on a 2-thread pool) turned
/// into a trace, then checked the way Perfetto needs it.
@Suite(.serialized) struct ProfileTraceTests {
    static func tinyMoE() throws -> ModelConfig {
        let json = """
        {"id": "tiny-moe", "name": "tiny MoE (SYNTHETIC)", "model_type": "deepseek_moe_mini", "source": "test",
         "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 3, "num_attention_heads": 4,
         "num_key_value_heads": 2, "head_dim": 16, "first_k_dense_replace": 1, "n_routed_experts": 8,
         "n_shared_experts": 1, "num_experts_per_tok": 2, "moe_intermediate_size": 32, "vocab_size": 300,
         "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "max_position_embeddings": 256, "tie_word_embeddings": true}
        """
        return try JSONDecoder().decode(ModelConfig.self, from: Data(json.utf8))
    }

    /// Runs pp6+tg4 with chunk timing on; returns the runner's events, the chunks and the wall time.
    static func profiledRun() throws -> (events: [ForwardRecorder.Event], chunks: [[ChunkTimeline.Chunk]], ns: UInt64,
                                         weights: TransformerWeights) {
        let weights = try TransformerWeights.synthetic(tinyMoE(), seed: 3)
        let pool = WorkerPool(threads: 2, pinToCores: false)
        let plan = KernelPlan(config: nil, machine: .fallback(cores: 2, maxSIMDLanes: HostCPU.maxSIMDLanes), threads: 2)
        let t = try Transformer(weights: weights, runner: KernelRunner(pool: pool, plan: plan), contextLength: 16)
        let runner = BenchRunner(transformer: t, bos: 1)
        let timeline = ChunkTimeline(threads: 2)
        pool.timeline = timeline
        let ns = try runner.run(BenchTest(nPrompt: 6, nGen: 4), seed: 9)
        pool.timeline = nil
        return (runner.recorder.events, [timeline.chunks(worker: 0), timeline.chunks(worker: 1)], ns, weights)
    }

    @Test func traceOfARealRunIsValidNestedAndAddsUp() throws {
        let run = try Self.profiledRun()
        let events = ProfileTrace.events(pid: 1, process: "test", recorded: run.events, chunks: run.chunks, weights: run.weights,
                                         origin: run.events.first?.t ?? 0)
        let data = Data(ChromeTrace(events: events).json().utf8)
        #expect(ChromeTrace.problems(in: data) == [])

        // Required fields and phases, as parsed back from the JSON.
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let parsed = try #require(root["traceEvents"] as? [[String: Any]])
        for e in parsed {
            for key in ["name", "ph", "ts", "pid", "tid"] { #expect(e[key] != nil, "missing \(key) in \(e)") }
            if e["ph"] as? String == "X" { #expect(e["dur"] != nil) }
        }
        #expect(parsed.contains { $0["ph"] as? String == "M" && $0["name"] as? String == "thread_name" && $0["tid"] as? Int == 1 })
        #expect(parsed.contains { $0["ph"] as? String == "C" && $0["name"] as? String == "tokens/s" })

        // One prompt slice and 4 token slices (pp6 + tg4), each tiled exactly by its ops; 3 layers per forward.
        let slices = events.filter { $0.phase == .complete && $0.tid == 0 }
        let tokens = slices.filter { $0.category == "token" }
        #expect(tokens.count == 5)
        #expect(tokens.first?.name == "prompt (6 tokens)")
        #expect(slices.filter { $0.category == "layer" }.count == 15)
        for tok in tokens {
            let ops = slices.filter { $0.category == "op" && $0.ts >= tok.ts && $0.ts + $0.dur <= tok.ts + tok.dur }
            #expect(ops.reduce(0) { $0 + $1.dur } == tok.dur, "ops of \(tok.name) must tile it")
            #expect(ops.contains { $0.name.hasPrefix("expert_gather") })
        }
        // Token slices and sampling fit in the measured wall time.
        let sampling = slices.filter { $0.name == "sampling" }
        #expect(sampling.count == 4)
        #expect(tokens.reduce(0) { $0 + $1.dur } + sampling.reduce(0) { $0 + $1.dur } <= run.ns)
        // Worker 1 ran kernel chunks, and every chunk of worker 0 lies inside an op.
        #expect(!run.chunks[1].isEmpty || !run.chunks[0].isEmpty)
        let ops = slices.filter { $0.category == "op" }
        for c in slices.filter({ $0.category == "chunk" }).prefix(200) {
            #expect(ops.contains { $0.ts <= c.ts && c.ts + c.dur <= $0.ts + $0.dur })
        }
    }

    @Test func breakdownAccountsForTheMeasuredTime() throws {
        let run = try Self.profiledRun()
        var b = OpBreakdown()
        b.add(events: run.events, measuredNs: run.ns, weights: run.weights)
        #expect(b.opNs + b.otherNs == b.measuredNs)
        #expect(Double(b.opNs) >= 0.95 * Double(b.measuredNs), "ops cover \(Double(b.opNs) / Double(b.measuredNs))")
        // Matmuls are named with their shape; q/k/v are one fused call: the prompt's is 6 × (4·16 + 2·2·16) × 64.
        let labels = b.entries.map { OpBreakdown.label($0.key, $0.value) }
        #expect(labels.contains("qkv_proj 6x128x64"))
        #expect(labels.contains("gate_up_proj 1x64x64"))
        #expect(labels.contains("attention decode"))
        #expect(labels.contains("sampling"))
        let rows = ProfileTables.opRows(b, roofline: Roofline(peakGflops: 100, bandwidthGBps: ["l1": 400, "l2": 200, "l3": 100, "dram": 20],
                                                             capacityBytes: ["l1": 65536.0, "l2": 2_097_152.0, "l3": 33_554_432.0]))
        #expect(rows.last?.op == "other")
        #expect(abs(rows.reduce(0) { $0 + $1.share } - 1) < 1e-6)
        for r in rows where r.op != "other" {
            #expect(["compute", "l1", "l2", "l3", "dram"].contains(r.bound ?? ""))
            #expect(r.fractionOfLimit.map { $0.isFinite && $0 >= 0 } ?? false)
        }
    }

    @Test func badInputIsRefusedBeforeMeasuring() throws {
        #expect(throws: (any Error).self) { try ProfileCommand.parse(["-o", "xml"]) }
        #expect(throws: (any Error).self) { try ProfileCommand.parse(["-p", "0"]) }
        #expect(throws: (any Error).self) { try ProfileCommand.parse(["-pg", "512"]) }
        #expect(throws: (any Error).self) { try ProfileCommand.parse(["-t", "0"]) }
        #expect(throws: (any Error).self) { try ProfileCommand.parse(["--trace", "/nonexistent-dir/t.json"]) }
        let ok = try ProfileCommand.parse(["-p", "64,128", "-n", "16", "-pg", "32,8", "-t", "1,2", "-r", "2", "-o", "jsonl"])
        #expect(try ok.tests().map(\.name) == ["pp64", "pp128", "tg16", "pp32+tg8"])
        #expect(try ok.threadCounts() == [1, 2])
        #expect(try ProfileCommand.parse([]).tests().map(\.name) == ["pp512", "tg128"])
    }
}
