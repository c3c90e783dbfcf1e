import Configs
import Foundation
import Kernels
import Measure

/// The driver: for each target it builds the kernel instance, asks the strategy for candidates, measures
/// each (verify → time, calibration check between candidates), journals every measurement, replays
/// recorded ones on `--resume`, and finally re-measures the pick head to head against the analytical
/// default so that no emitted entry is slower than its default.
public final class TuningSession {
    /// Builds the benchmark instance for a target (the CLI uses `KernelRegistry.instance`).
    public typealias KernelFactory = (TuneTarget) throws -> any TunableKernel

    public let targets: [TuneTarget]
    public let settings: TuneSettings
    public let machine: MachineContext
    private let makeKernel: KernelFactory
    let calibration: CalibrationMonitor?
    private(set) var observers: [any TuneObserver] = []
    /// Seconds `run` spent building the targets' instances (operands, cold weight copies, spaces).
    public private(set) var prepareSeconds = 0.0
    /// The search and head-to-head budget `run` used (after a deadline was applied); nil: none.
    public private(set) var budgetSeconds: Double?

    public init(targets: [TuneTarget], settings: TuneSettings, machine: MachineContext,
                calibration: CalibrationMonitor?, makeKernel: @escaping KernelFactory) {
        self.targets = targets
        self.settings = settings
        self.machine = machine
        self.calibration = calibration
        self.makeKernel = makeKernel
    }

    public func add(_ observer: any TuneObserver) { observers.append(observer) }

    func note(_ message: String) { for o in observers { o.note(message) } }

    /// Prepared instance, space and seed of one target.
    struct Prepared {
        var kernel: any TunableKernel
        var space: SearchSpace
        var seed: ParameterSet
    }

    /// Runs the sweep. Throws only for problems that make the whole run meaningless (unknown strategy or
    /// option, a shape no kernel accepts, a refused journal); per-candidate failures are outcomes.
    public func run() throws -> [ShapeResult] {
        // Check the strategy before any work (its options were parsed once, into `settings.options`).
        _ = try StrategyRegistry.strategy(named: settings.strategy)
        let prepareStart = MonotonicClock.nanoseconds()
        let (preparedTargets, unavailable, header) = try prepareTargets()
        prepareSeconds = Double(MonotonicClock.nanoseconds() &- prepareStart) * 1e-9
        var prepared = preparedTargets
        var recorded: [JournalEntry.Key: CandidateResult] = [:]
        var journal: JournalFile?
        if let path = settings.journalPath {
            if settings.resume, FileManager.default.fileExists(atPath: path) {
                let (j, contents) = try JournalFile.resume(path, expected: header)
                journal = j
                for w in contents.warnings { note("warning: \(w)") }
                for e in contents.entries { recorded[e.key] = e.result }
                note("journal: resuming \(path) (\(contents.entries.count) measurements recorded)")
            } else {
                if settings.resume {
                    note("journal: \(path) does not exist; starting a new one")
                } else if let kept = try JournalRotation.rotate(path) {
                    note("journal: the earlier journal is kept as \(kept); starting a new one at \(path) (pass --resume to continue it instead)")
                }
                journal = try JournalFile.create(path, header: header)
            }
        }
        for o in observers { o.sessionStarted(targets: targets) }
        var results: [ShapeResult] = []
        var spent = 0.0
        // With a deadline the budget is wall clock from here: what is left until it, within the bounds.
        var total = settings.totalSeconds
        let budgetStart = MonotonicClock.nanoseconds()
        if let deadline = settings.deadline {
            let left = deadline > budgetStart ? Double(deadline - budgetStart) * 1e-9 : 0
            total = min(total ?? .infinity, max(settings.minimumSeconds, left))
            note("budget: \(Int(total?.rounded() ?? 0)) s for search and head-to-head checks (what the time limit leaves after building the instances in \(Int(prepareSeconds.rounded())) s)")
        }
        budgetSeconds = total
        var left = prepared.compactMap { $0 }.count
        for (i, t) in targets.enumerated() {
            guard let p = prepared[i] else {
                let r = ShapeResult(target: t, spaceSize: 0, defaultParams: ParameterSet(), chosenParams: ParameterSet(),
                                    keptDefault: true, evaluations: 0, pointsMeasured: 0, replayed: 0, outcomes: [:],
                                    seconds: 0, problem: unavailable[i])
                for o in observers { o.shapeFinished(r, index: i) }
                results.append(r)
                continue
            }
            var seconds = settings.secondsPerTarget
            if let total {
                // The share covers search and head-to-head together; the search gets most of it (the
                // confirmation is a few interleaved rounds of at most `contenders` + 1 candidates).
                let share = max(0, total - spent) / Double(max(1, left))
                seconds = min(seconds ?? share, share * settings.searchShare)
            }
            let r = try tune(t, index: i, prepared: p, seconds: seconds, recorded: &recorded, journal: journal)
            spent = settings.deadline != nil ? Double(MonotonicClock.nanoseconds() &- budgetStart) * 1e-9 : spent + r.seconds
            left -= 1
            prepared[i] = nil  // release the operands
            for o in observers { o.shapeFinished(r, index: i) }
            results.append(r)
        }
        return results
    }

    /// Builds every target's kernel instance, space and analytical seed, and the journal header for them.
    /// A family this build lacks is skipped with a reason (`unavailable`); a bad shape throws.
    func prepareTargets() throws -> (prepared: [Prepared?], unavailable: [Int: String], header: JournalHeader) {
        var prepared: [Prepared?] = []
        var unavailable: [Int: String] = [:]
        try SearchLimits.check(targets: targets.count)
        for (i, t) in targets.enumerated() {
            let k: any TunableKernel
            do {
                k = try makeKernel(t)
            } catch let e as KernelError {
                // A family this build does not have is skipped (and reported); a bad shape stops the run.
                guard case .unknownKernel = e else { throw TunerError.kernel("\(t.kernel) \(t.shape): \(e)") }
                unavailable[i] = "not tuned: \(e)"
                note("\(t): \(e); skipped")
                prepared.append(nil)
                continue
            } catch {
                throw TunerError.kernel("\(t.kernel) \(t.shape): \(error)")
            }
            let space = k.searchSpace(on: machine.traits)
            try SearchLimits.check(space, target: t)
            prepared.append(Prepared(kernel: k, space: space, seed: k.analyticalDefault(on: machine.traits)))
        }
        // The weight condition is part of what was measured: a cold journal never resumes a hot sweep.
        let spaces = zip(targets, prepared).compactMap { t, p in
            p.map { (kernel: t.kernel.rawValue, shape: t.shape + ($0.kernel.condition == .cold ? "[cold]" : ""), space: $0.space) }
        }
        let header = JournalHeader(fingerprint: machine.fingerprint, spaceHash: SearchSpaceHash.of(spaces),
                                   createdAt: Self.timestamp(), strategy: settings.strategy)
        return (prepared, unavailable, header)
    }

    private func tune(_ target: TuneTarget, index: Int, prepared p: Prepared, seconds budgetSeconds: Double?,
                      recorded: inout [JournalEntry.Key: CandidateResult], journal: JournalFile?) throws -> ShapeResult {
        let start = MonotonicClock.nanoseconds()
        let pausedAtStart = calibration?.pausedSeconds ?? 0
        let points = p.space.enumerate()
        for o in observers { o.shapeStarted(target, index: index, spaceSize: points.count) }
        var result = ShapeResult(target: target, spaceSize: points.count, defaultParams: p.seed, chosenParams: p.seed,
                                 keptDefault: true, evaluations: 0, pointsMeasured: 0, replayed: 0, outcomes: [:], seconds: 0)
        result.condition = p.kernel.condition
        func finish() -> ShapeResult {
            result.seconds = Double(MonotonicClock.nanoseconds() &- start) * 1e-9 - ((calibration?.pausedSeconds ?? 0) - pausedAtStart)
            return result
        }
        guard !points.isEmpty else {
            result.problem = "the search space has no valid point"
            note("\(target): \(result.problem ?? "")")
            return finish()
        }
        let context = StrategyContext(space: p.space, points: points, seed: p.seed, maxEvaluations: settings.maxEvaluations)
        var strategy = try StrategyRegistry.make(settings.strategy, context: context, options: settings.options)
        let measurer = CandidateMeasurer(policy: settings.policy)
        var bestSeconds: Double?
        var bestGflops: Double?
        var replayedSeconds = 0.0
        var seen = Set<ParameterSet>()
        var scores: [ParameterSet: Double] = [:]
        var seedMeasurement: TunedConfig.Measurement?
        func searchSeconds() -> Double {
            let paused = (calibration?.pausedSeconds ?? 0) - pausedAtStart
            return Double(MonotonicClock.nanoseconds() &- start) * 1e-9 - paused + replayedSeconds
        }
        func fraction() -> Double {
            var f = 0.0
            if let m = settings.maxEvaluations, m > 0 { f = Double(result.evaluations) / Double(m) }
            if let s = budgetSeconds {
                f = s > 0 ? max(f, searchSeconds() / s) : 1
            }
            return min(f, 1)
        }
        while true {
            let progress = BudgetProgress(evaluations: result.evaluations, fraction: fraction())
            if progress.fraction >= 1 { break }
            guard let proposal = strategy.next(progress: progress) else { break }
            let key = JournalEntry.Key(kernel: target.kernel.rawValue, shape: target.shape, proposal: proposal)
            let measured: CandidateResult
            let replayed: Bool
            if let r = recorded[key] {
                measured = r
                replayed = true
                replayedSeconds += r.seconds
                result.replayed += 1
            } else {
                measured = measureWithNoiseCheck(p, proposal: proposal, measurer: measurer, bestSeconds: bestSeconds)
                replayed = false
                recorded[key] = measured
                try journal?.append(JournalEntry(kernel: target.kernel.rawValue, shape: target.shape,
                                                 time: Self.timestamp(), result: measured,
                                                 condition: p.kernel.condition.rawValue))
            }
            strategy.observe(proposal, measured.observation)
            result.evaluations += 1
            seen.insert(proposal.params)
            result.outcomes[measured.outcome.rawValue, default: 0] += 1
            if measured.outcome == .ok, let s = measured.medianSeconds, s < (bestSeconds ?? .infinity) { bestSeconds = s }
            if proposal.params == p.seed, measured.outcome == .ok, let g = measured.gflops,
               g.median > (seedMeasurement?.median ?? -.infinity) {
                seedMeasurement = g
            }
            if let g = measured.observation.score {
                if g > (bestGflops ?? -.infinity) { bestGflops = g }
                if g > (scores[proposal.params] ?? -.infinity) { scores[proposal.params] = g }
            }
            let state = ShapeProgress(evaluations: result.evaluations, fraction: fraction(), bestGflops: bestGflops)
            for o in observers { o.candidateFinished(target, result: measured, replayed: replayed, progress: state) }
        }
        result.pointsMeasured = seen.count
        result.searchSeconds = searchSeconds()
        result.strategyPick = strategy.incumbent
        if result.evaluations == 0, budgetSeconds != nil {
            // The budget ran out before this shape's first candidate: nothing measured, nothing to confirm;
            // no entry, so the inference core uses the analytical default (what confirming it would give).
            result.problem = "not tuned: the time budget was spent before its first candidate"
            return finish()
        }
        // Runners-up by their best measurement join the final interleaved comparison, so one lucky or
        // unlucky sequential sample does not decide alone.
        let runnersUp = scores.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.description < $1.key.description }
            .map(\.key).filter { $0 != result.strategyPick }.prefix(max(0, settings.contenders - 1))
        confirm(&result, prepared: p, runnersUp: Array(runnersUp), seedMeasurement: seedMeasurement)
        return finish()
    }

    /// Measures one candidate, then re-times the calibration kernel; if the machine was disturbed and
    /// recovers after a pause, measures the candidate again. Records the calibration ratio.
    func measureWithNoiseCheck(_ p: Prepared, proposal: Proposal, measurer: CandidateMeasurer,
                               bestSeconds: Double?) -> CandidateResult {
        var r = measurer.measure(p.kernel, space: p.space, proposal: proposal, bestSeconds: bestSeconds)
        guard let calibration, r.outcome == .ok || r.outcome == .timeout else { return r }
        var check = calibration.check(note: note)
        if check.paused {
            let spent = r.seconds
            r = measurer.measure(p.kernel, space: p.space, proposal: proposal, bestSeconds: bestSeconds)
            r.seconds += spent
            check = calibration.check(note: note)
        }
        r.calibration = (check.ratio * 1000).rounded() / 1000
        r.noisy = check.disturbed
        return r
    }

    /// Head to head, interleaved: the pick and runners-up against the default. The fastest by median is
    /// emitted if it is not the default and at least as fast as it; otherwise the default is kept and the
    /// output says so.
    ///
    /// When nothing but the default was measured ok there is nothing to compare: the default's own search
    /// measurement (`seedMeasurement`, verified and timed there) is its figure, and no head-to-head runs.
    func confirm(_ result: inout ShapeResult, prepared p: Prepared, runnersUp: [ParameterSet],
                 seedMeasurement: TunedConfig.Measurement? = nil) {
        let seed = p.seed
        let rounds = settings.policy.headToHeadRounds, minSample = settings.policy.minSampleSeconds
        var contenders: [ParameterSet] = []
        for c in [result.strategyPick].compactMap({ $0 }) + runnersUp where c != seed && !contenders.contains(c) {
            contenders.append(c)
        }
        if contenders.isEmpty, let seedMeasurement {
            result.chosenParams = seed
            result.defaultGflops = seedMeasurement
            result.chosenGflops = seedMeasurement
            result.keptDefault = true
            return
        }
        let seedCheck = seedMeasurement != nil ? nil : Self.verify(p.kernel, seed)
        if seedCheck != nil {
            guard !contenders.isEmpty else {
                result.problem = "no candidate measured ok and the default \(seedCheck ?? "failed")"
                return
            }
            note("\(result.target): the analytical default \(seed) \(seedCheck ?? ""); emitting the best candidate without a baseline")
        } else {
            contenders.insert(seed, at: 0)
        }
        let summaries: [Summary]
        do {
            _ = calibration?.check(note: note)
            summaries = try HeadToHead.compare(p.kernel, contenders, rounds: rounds, minSampleSeconds: minSample)
        } catch {
            result.problem = "head-to-head failed: \(error)"
            return
        }
        let best = summaries.indices.max { summaries[$0].median < summaries[$1].median } ?? 0
        result.chosenParams = contenders[best]
        result.chosenGflops = Self.measurement(summaries[best])
        if seedCheck == nil {
            result.defaultGflops = Self.measurement(summaries[0])
            result.keptDefault = best == 0
            if best == 0, let pick = result.strategyPick, pick != seed, let i = contenders.firstIndex(of: pick) {
                note("\(result.target): pick \(pick) ran \(Self.f(summaries[i].median)) vs default \(Self.f(summaries[0].median)) GFLOP/s head to head; keeping the default")
            }
        } else {
            // Recorded as 0 GFLOP/s: the default gives no usable answer at all.
            result.defaultGflops = TunedConfig.Measurement(median: 0, min: 0, max: 0)
            result.keptDefault = false
        }
        if result.strategyPick == nil && seedCheck == nil {
            note("\(result.target): no candidate measured ok; keeping the analytical default")
        }
    }

    /// nil when `params` verifies; otherwise why not.
    private static func verify(_ kernel: any TunableKernel, _ params: ParameterSet) -> String? {
        do {
            let v = try kernel.verify(params)
            return v.passed ? nil : "gives a wrong answer (error \(v.maxError) > \(v.bound))"
        } catch {
            return "is refused: \(error)"
        }
    }

    static func measurement(_ s: Summary) -> TunedConfig.Measurement {
        TunedConfig.Measurement(median: s.median, min: s.min, max: s.max)
    }

    static func f(_ x: Double) -> String { "\((x * 10).rounded() / 10)" }

    public static func timestamp() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date())
    }
}
