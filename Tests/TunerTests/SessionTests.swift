import Configs
import Foundation
import Kernels
import Probe
import Testing
@testable import Tuner

/// The driver on the real matmul kernel: small shapes, small budgets, no timing assertions except where
/// the gap is an order of magnitude by construction (a one-thread SSE seed).
@Suite(.serialized) struct SessionTests {
    static let pool = WorkerPool(threads: 2)

    static func machine() throws -> MachineContext {
        MachineContext.from(try Prober.probe(options: ProbeOptions(benchmarks: false))).context
    }

    static func tempPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("ktune-session-\(UUID().uuidString)").appendingPathComponent(name).path
    }

    static func session(_ targets: [TuneTarget], _ settings: TuneSettings, _ machine: MachineContext) -> TuningSession {
        TuningSession(targets: targets, settings: settings, machine: machine, calibration: nil) { t in
            try KernelRegistry.instance(family: t.kernel, shape: t.shape, pool: pool, seed: 3)
        }
    }

    static var fast: TuneSettings {
        var s = TuneSettings()
        s.policy.minSampleSeconds = 0.0002
        s.policy.maxRepeats = 3
        s.policy.headToHeadRounds = 3
        return s
    }

    @Test func everyEntryIsVerifiedAndAtLeastAsFastAsItsDefaultHeadToHead() throws {
        let machine = try Self.machine()
        var settings = Self.fast
        try settings.use("random", options: ["samples=6"])
        let results = try Self.session([TuneTarget(kernel: .matmul, shape: "32x64x64"),
                                        TuneTarget(kernel: .matmul, shape: "2x96x64")], settings, machine).run()
        #expect(results.count == 2)
        for r in results {
            let e = try #require(r.entry, "\(r.target): \(r.problem ?? "")")
            #expect(e.measured.median >= e.baseline.gflops.median)
            #expect(e.speedup >= 1)
            #expect(r.evaluations == 6 && r.outcomes.values.reduce(0, +) == 6)
            let k = try KernelRegistry.instance(family: "matmul", shape: r.target.shape, pool: Self.pool, seed: 5)
            #expect(try k.verify(e.params).passed)
        }
    }

    @Test func resumeReplaysRecordedMeasurementsWithoutMeasuringAgain() throws {
        let machine = try Self.machine()
        let journal = Self.tempPath("j.jsonl")
        var settings = Self.fast
        try settings.use("random", options: ["samples=5", "seed=4"])
        settings.journalPath = journal
        let target = [TuneTarget(kernel: .matmul, shape: "24x48x32")]
        let first = try Self.session(target, settings, machine).run()
        #expect(first[0].replayed == 0)
        let linesBefore = try String(contentsOfFile: journal, encoding: .utf8)
        settings.resume = true
        let second = try Self.session(target, settings, machine).run()
        #expect(second[0].replayed == 5 && second[0].evaluations == 5)
        #expect(try String(contentsOfFile: journal, encoding: .utf8) == linesBefore)
        #expect(second[0].strategyPick == first[0].strategyPick)
    }

    @Test func resumeAgainstAJournalOfAnotherShapeSetIsRefused() throws {
        let machine = try Self.machine()
        let journal = Self.tempPath("j.jsonl")
        var settings = Self.fast
        try settings.use("random", options: ["samples=2"])
        settings.journalPath = journal
        _ = try Self.session([TuneTarget(kernel: .matmul, shape: "24x48x32")], settings, machine).run()
        settings.resume = true
        #expect {
            _ = try Self.session([TuneTarget(kernel: .matmul, shape: "24x48x40")], settings, machine).run()
        } throws: { e in
            guard case let .journalMismatch(_, field, _, _) = e as? TunerError else { return false }
            return field == "spaceHash"
        }
    }

    @Test func adaptiveImprovesOnABadSeedForARealMatmul() throws {
        let machine = try Self.machine()
        // A decode-like shape: the skinny path, fast even in debug builds.
        let kernel = try KernelRegistry.instance(family: "matmul", shape: "8x512x256", pool: Self.pool, seed: 1)
        let space = kernel.searchSpace(on: machine.traits)
        let points = space.enumerate()
        // The worst plausible seed: skinny path on one thread with the narrowest SIMD and least unrolling.
        let bad = try #require(points.filter { $0["path"] == 1 }.min { a, b in
            let ka = [a["threads"] ?? 0, a["lanes"] ?? 0, a["su"] ?? 0, a["sr"] ?? 0, a["sn"] ?? 0]
            let kb = [b["threads"] ?? 0, b["lanes"] ?? 0, b["su"] ?? 0, b["sr"] ?? 0, b["sn"] ?? 0]
            return ka.lexicographicallyPrecedes(kb)
        })
        var strategy = try StrategyRegistry.make("adaptive", context: StrategyContext(space: space, points: points, seed: bad),
                                                 options: ["explore-fraction=0", "min-points=12", "finalists=2"])
        var policy = TimingPolicy()
        policy.minSampleSeconds = 0.0005
        let measurer = CandidateMeasurer(policy: policy)
        var scores: [ParameterSet: Double] = [:]
        var best: Double?
        var n = 0
        while let p = strategy.next(progress: BudgetProgress(evaluations: n, fraction: 0)) {
            let r = measurer.measure(kernel, space: space, proposal: p, bestSeconds: best)
            #expect(r.outcome == .ok || r.outcome == .timeout, "\(p): \(r.message ?? "")")
            if p.rung == 0, let g = r.gflops?.median { scores[p.params] = g }
            if let s = r.medianSeconds, r.outcome == .ok { best = min(best ?? s, s) }
            strategy.observe(p, r.observation)
            n += 1
        }
        let pick = try #require(strategy.incumbent)
        let seedScore = try #require(scores[bad])
        let pickScore = try #require(scores[pick])
        #expect(pick != bad)
        // One thread and 4 lanes against the best of the neighbourhood: a gap of several times, not noise.
        #expect(pickScore > seedScore)
    }

    @Test func wrongAnswerIsRecordedAndNeverEmitted() throws {
        let machine = try Self.machine()
        let journal = Self.tempPath("j.jsonl")
        var settings = Self.fast
        try settings.use("exhaustive")
        settings.maxEvaluations = 12
        settings.journalPath = journal
        let session = TuningSession(targets: [TuneTarget(kernel: .matmul, shape: "32x64x64")], settings: settings,
                                    machine: machine, calibration: nil) { t in
            FaultyKernel(try KernelRegistry.instance(family: t.kernel, shape: t.shape, pool: Self.pool, seed: 3))
        }
        let r = try #require(try session.run().first)
        #expect(r.evaluations == 12)
        #expect((r.outcomes["wrongAnswer"] ?? 0) > 0)
        #expect(r.chosenParams["threads"] != 1)
        let text = try String(contentsOfFile: journal, encoding: .utf8)
        #expect(text.contains("\"wrongAnswer\""))
    }
}

/// Fault injection over the real kernel: every one-thread candidate's output is reported wrong, as a
/// kernel with a threading bug would be. Everything else is the real kernel's behaviour.
final class FaultyKernel: TunableKernel {
    static var family: KernelFamilyID { .matmul }
    let inner: any TunableKernel
    init(_ inner: any TunableKernel) { self.inner = inner }
    var shapeKey: String { inner.shapeKey }
    var flops: Double { inner.flops }
    var bytes: Double { inner.bytes }
    func searchSpace(on machine: MachineTraits) -> SearchSpace { inner.searchSpace(on: machine) }
    func analyticalDefault(on machine: MachineTraits) -> ParameterSet { inner.analyticalDefault(on: machine) }
    func run(_ params: ParameterSet) throws(KernelError) { try inner.run(params) }
    func verify(_ params: ParameterSet) throws(KernelError) -> Verification {
        let v = try inner.verify(params)
        return params["threads"] == 1 ? Verification(maxError: v.bound * 10 + 1, bound: v.bound) : v
    }
}
