import Foundation
import Testing
@testable import Report

@Suite struct ChromeTraceTests {
    func problems(_ events: [TraceEvent]) -> [String] {
        ChromeTrace.problems(in: Data(ChromeTrace(events: events).json().utf8))
    }

    let named = [TraceEvent.threadName("main", tid: 0)]

    @Test func nestedSlicesAreValid() {
        let e = named + [
            TraceEvent(name: "token", phase: .complete, ts: 1000, dur: 900, tid: 0),
            TraceEvent(name: "layer", phase: .complete, ts: 1000, dur: 500, tid: 0),
            TraceEvent(name: "op", phase: .complete, ts: 1000, dur: 500, tid: 0),
            TraceEvent(name: "op2", phase: .complete, ts: 1500, dur: 400, tid: 0),
            TraceEvent(name: "tokens/s", phase: .counter, ts: 1900, tid: 0, args: [("tokens/s", 1.1e6)]),
        ]
        #expect(problems(e) == [])
        // Written in µs with three decimals, metadata first, then by time.
        let text = ChromeTrace(events: e).json()
        #expect(text.contains("\"ts\":1.000,\"dur\":0.900"))
        #expect(text.range(of: "thread_name")!.lowerBound < text.range(of: "\"token\"")!.lowerBound)
    }

    @Test func overlapWithoutNestingIsReported() {
        let e = named + [
            TraceEvent(name: "a", phase: .complete, ts: 0, dur: 1000, tid: 0),
            TraceEvent(name: "b", phase: .complete, ts: 500, dur: 1000, tid: 0),
        ]
        #expect(problems(e).contains { $0.contains("overlaps") })
    }

    @Test func missingThreadNameAndFieldsAreReported() {
        #expect(problems([TraceEvent(name: "a", phase: .complete, ts: 0, dur: 1, tid: 3)]).contains { $0.contains("thread_name") })
        let bad = Data(#"{"traceEvents":[{"name":"x","ph":"X","ts":1,"pid":1,"tid":0},{"ph":"X","ts":2,"dur":1,"pid":1,"tid":0}]}"#.utf8)
        let p = ChromeTrace.problems(in: bad)
        #expect(p.contains { $0.contains("without a dur") })
        #expect(p.contains { $0.contains("missing one of") })
        #expect(ChromeTrace.problems(in: Data("[]".utf8)) == ["not a JSON object with a \"traceEvents\" array"])
    }

    @Test func backwardsTimestampsAreReported() {
        let text = #"{"traceEvents":[{"name":"thread_name","ph":"M","ts":0,"pid":1,"tid":0,"args":{"name":"m"}},{"name":"a","ph":"X","ts":5,"dur":1,"pid":1,"tid":0},{"name":"b","ph":"X","ts":2,"dur":1,"pid":1,"tid":0}]}"#
        #expect(ChromeTrace.problems(in: Data(text.utf8)).contains { $0.contains("before the previous") })
    }

    @Test func writesAtomicallyAndReadsBack() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ktune-trace-\(getpid()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ChromeTrace(events: named + [TraceEvent(name: "a\"b", phase: .complete, ts: 7, dur: 3, tid: 0)]).write(to: path)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(ChromeTrace.problems(in: data) == [])
    }
}

@Suite struct ProfileRecordTests {
    func record(samples: [Int] = [2_000_000_000, 1_000_000_000]) -> ProfileRecord {
        let prov = ProfileRecord.Provenance(machineFingerprint: "abc", config: "default", configHash: "0123", planSummary: "plan",
                                            disturbed: false, samplesDisturbed: [false, false],
                                            ops: [.init(op: "q_proj 1x576x576", calls: 30, totalNs: 10, selfNs: 10, share: 0.5,
                                                        gflops: 1, gbps: 2, bound: "dram", limit: 20, fractionOfLimit: 0.1)],
                                            otherNs: 1, coverage: 0.99)
        return ProfileRecord(buildCommit: "deadbee", cpuInfo: "AMD EPYC", modelFilename: "m.gguf", modelType: "llama 135M Q4_1",
                             modelSize: 96_576_768, modelNParams: 134_515_008, nThreads: 2, nPrompt: 0, nGen: 16,
                             testTime: "2026-12-01T00:00:00Z", samplesNs: samples, ktune: prov)
    }

    @Test func jsonCarriesLlamaBenchFieldsAndKtuneProvenance() throws {
        var w = ProfileRecordWriter(format: .json)
        let text = w.header() + (try w.row(record())) + (try w.row(record())) + w.footer()
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        #expect(rows.count == 2)
        for key in ["build_commit", "cpu_info", "model_filename", "model_type", "model_size", "model_n_params", "n_threads",
                    "n_prompt", "n_gen", "test_time", "avg_ns", "stddev_ns", "avg_ts", "stddev_ts", "samples_ns", "samples_ts"] {
            #expect(rows[0][key] != nil, "missing \(key)")
        }
        let k = try #require(rows[0]["ktune"] as? [String: Any])
        for key in ["machine_fingerprint", "config", "config_hash", "plan_summary", "disturbed", "ops"] { #expect(k[key] != nil, "missing ktune.\(key)") }
        let op = try #require((k["ops"] as? [[String: Any]])?.first)
        for key in ["op", "calls", "total_ns", "self_ns", "share", "gflops", "gbps", "bound", "limit", "fraction_of_limit"] {
            #expect(op[key] != nil, "missing op.\(key)")
        }
    }

    @Test func statisticsFollowLlamaBench() {
        let r = record()
        // 16 tokens in 2 s and 1 s: 8 and 16 t/s; mean 12, sample stddev √32.
        #expect(r.samplesTs == [8, 16])
        #expect(r.avgTs == 12)
        #expect(abs(r.stddevTs - 32.0.squareRoot()) < 1e-12)
        #expect(r.avgNs == 1_500_000_000)
        #expect(r.stddevNs == Int((0.5e18).squareRoot().rounded()))
        #expect(r.testName == "tg16")
    }

    @Test func everyFormatRendersOneLinePerRow() throws {
        for f in ProfileOutputFormat.allCases {
            var w = ProfileRecordWriter(format: f)
            let row = try w.row(record())
            #expect(!row.isEmpty)
            if f == .jsonl { #expect(row.filter { $0 == "\n" }.count == 1) }
            if f == .md { #expect(row.contains("| llama 135M Q4_1 | 92.10 MiB | 134.52 M | CPU | 2 | default | tg16 | 12.00 ± 5.66 |")) }
        }
        #expect(throws: ProfileFormatError.self) { try ProfileOutputFormat.parse("xml") }
    }
}
