import Foundation
import Kernels
import Probe
import Testing
@testable import Tuner

/// Candidate outcomes and the noise monitor on the real matmul kernel.
@Suite(.serialized) struct MeasurementTests {
    static let pool = WorkerPool(threads: 2)

    static func kernel(_ shape: String = "16x64x64") throws -> any TunableKernel {
        try KernelRegistry.instance(family: "matmul", shape: shape, pool: pool, seed: 11)
    }

    static var traits: MachineTraits {
        get throws { MachineTraits(machine: try Prober.probe(options: ProbeOptions(benchmarks: false))) }
    }

    @Test func validCandidateIsVerifiedThenTimedWithSamplesAndSummary() throws {
        let k = try Self.kernel()
        let t = try Self.traits
        let seed = k.analyticalDefault(on: t)
        var policy = TimingPolicy()
        policy.minSampleSeconds = 0.0002
        let r = CandidateMeasurer(policy: policy).measure(k, space: k.searchSpace(on: t), proposal: Proposal(seed), bestSeconds: nil)
        #expect(r.outcome == .ok)
        #expect(r.samples.count >= policy.minRepeats && r.samples.count <= policy.repeatCap(rung: 0))
        let g = try #require(r.gflops)
        #expect(g.min <= g.median && g.median <= g.max && g.min > 0)
        #expect(r.maxError != nil)
    }

    @Test func constraintViolationIsInvalidAndNeverRun() throws {
        let k = try Self.kernel()
        let t = try Self.traits
        var p = k.analyticalDefault(on: t)
        p["threads"] = t.cores + 5
        let r = CandidateMeasurer().measure(k, space: k.searchSpace(on: t), proposal: Proposal(p), bestSeconds: nil)
        #expect(r.outcome == .invalid)
        #expect(r.samples.isEmpty && r.maxError == nil)
        #expect(r.message?.contains("threads") == true)
    }

    @Test func candidateFarSlowerThanTheBestTimesOut() throws {
        let k = try Self.kernel()
        let t = try Self.traits
        let seed = k.analyticalDefault(on: t)
        // A best time no real run can approach: the first runs exceed the limit.
        let r = CandidateMeasurer().measure(k, space: k.searchSpace(on: t), proposal: Proposal(seed), bestSeconds: 1e-12)
        #expect(r.outcome == .timeout)
        #expect(r.message?.contains("limit") == true)
        // Confirmation rungs have no limit.
        let confirm = CandidateMeasurer().measure(k, space: k.searchSpace(on: t), proposal: Proposal(seed, rung: 1), bestSeconds: 1e-12)
        #expect(confirm.outcome == .ok)
    }

    @Test func disturbedMachineIsPausedForThenMarkedNoisyOnceThePauseBudgetIsSpent() throws {
        let k = try Self.kernel("32x64x64")
        let t = try Self.traits
        var policy = CalibrationMonitor.Policy()
        policy.dropThreshold = 2      // unreachable: every check finds the machine "disturbed"
        policy.pauseSeconds = 0.01
        policy.maxPauseSeconds = 0.03
        policy.maxTotalPauseSeconds = 0.05
        let monitor = try CalibrationMonitor(kernel: k, params: k.analyticalDefault(on: t), policy: policy)
        var notes: [String] = []
        let first = monitor.check { notes.append($0) }
        #expect(first.paused && first.disturbed)
        #expect(notes.contains { $0.contains("pausing") } && notes.contains { $0.contains("marked noisy") })
        _ = monitor.check { notes.append($0) }
        let third = monitor.check { notes.append($0) }
        #expect(!third.paused && third.disturbed)
        #expect(notes.filter { $0.contains("pause budget") }.count == 1)
        #expect(monitor.pausedSeconds <= 0.05 + 1e-9 && monitor.episodes == 3 && monitor.checks == 3)
    }

    @Test func sessionOnADisturbedMachineRemeasuresAndMarksResultsNoisy() throws {
        let t = try Self.traits
        let machine = MachineContext(fingerprint: "fp", traits: t,
                                     summary: .init(fingerprint: "fp", cpu: "cpu", cores: t.cores, isa: [], caches: []))
        let ck = try Self.kernel("32x64x64")
        var policy = CalibrationMonitor.Policy()
        policy.dropThreshold = 2
        policy.pauseSeconds = 0.01
        policy.maxPauseSeconds = 0.01
        policy.maxTotalPauseSeconds = 0.02
        let monitor = try CalibrationMonitor(kernel: ck, params: ck.analyticalDefault(on: t), policy: policy)
        var settings = TuneSettings()
        try settings.use("random", options: ["samples=3"])
        settings.policy.minSampleSeconds = 0.0002
        settings.policy.headToHeadRounds = 3
        let journal = FileManager.default.temporaryDirectory.appendingPathComponent("ktune-noise-\(UUID().uuidString).jsonl").path
        settings.journalPath = journal
        let session = TuningSession(targets: [TuneTarget(kernel: .matmul, shape: "8x64x64")], settings: settings,
                                    machine: machine, calibration: monitor) { target in
            try KernelRegistry.instance(family: target.kernel, shape: target.shape, pool: Self.pool, seed: 2)
        }
        let notes = NoteCollector()
        session.add(notes)
        let r = try #require(try session.run().first)
        #expect(r.evaluations == 3)
        #expect(notes.lines.contains { $0.contains("noise") })
        let text = try String(contentsOfFile: journal, encoding: .utf8)
        #expect(text.contains("\"noisy\":true"))
    }
}

final class NoteCollector: TuneObserver {
    var lines: [String] = []
    func note(_ message: String) { lines.append(message) }
}
