import Configs
import Foundation
import Kernels
import Measure

/// A strategy whose proposals do not depend on what it observes (exhaustive, random): its whole sequence
/// can be planned before anything is measured, which is what lets several machines share one sweep.
public protocol PlannableStrategy: SearchStrategy {}

extension ExhaustiveSearch: PlannableStrategy {}
extension RandomSearch: PlannableStrategy {}

/// One target of a split sweep and the candidates planned for it.
public struct PlannedTarget: Sendable, Equatable {
    public var index: Int
    public var target: TuneTarget
    /// Valid points in the target's space.
    public var spaceSize: Int
    /// What the strategy proposes, in order, capped by `--max-evals`: the target's whole budget.
    public var proposals: [Proposal]
    /// Why the target is not tuned (family missing from this build, empty space), or nil.
    public var problem: String?
    /// The cache state its weights are timed in (as the journal records it): a sweep never mixes a cold
    /// measurement of a target with a hot one.
    public var condition: WeightCondition = .hot
}

/// A sweep measured one candidate at a time by an outside driver: the store's shared queue hands each
/// worker candidates of the same plan, the worker measures them here exactly as `TuningSession.run` would
/// (verify, time, calibration check, local journal line), and once every candidate of a target is measured,
/// by whichever workers, one of them calls `finish` with all the results to pick the winner and confirm it
/// head to head against the analytical default.
public final class SplitSweep {
    public let session: TuningSession
    /// The journal header of the plan: fingerprint, search-space hash, strategy.
    public let header: JournalHeader
    public let plan: [PlannedTarget]
    private var prepared: [TuningSession.Prepared?]
    private let measurer: CandidateMeasurer
    private var bestSeconds: [Int: Double] = [:]
    private let journal: JournalFile?

    /// Prepares every target and plans its candidates. Throws for a strategy whose proposals depend on
    /// observations (it cannot be split) and for anything `TuningSession.run` refuses.
    public init(session: TuningSession) throws {
        self.session = session
        let settings = session.settings
        let type = try StrategyRegistry.strategy(named: settings.strategy)
        guard type is any PlannableStrategy.Type else {
            let ok = StrategyRegistry.all.filter { $0 is any PlannableStrategy.Type }.map { $0.name }
            throw TunerError.unsplittableStrategy(name: settings.strategy, splittable: ok)
        }
        let (prepared, unavailable, header) = try session.prepareTargets()
        self.prepared = prepared
        self.header = header
        measurer = CandidateMeasurer(policy: settings.policy)
        var plan: [PlannedTarget] = []
        for (i, t) in session.targets.enumerated() {
            guard let p = prepared[i] else {
                plan.append(PlannedTarget(index: i, target: t, spaceSize: 0, proposals: [], problem: unavailable[i]))
                continue
            }
            let points = p.space.enumerate()
            guard !points.isEmpty else {
                plan.append(PlannedTarget(index: i, target: t, spaceSize: 0, proposals: [], problem: "the search space has no valid point",
                                          condition: p.kernel.condition))
                continue
            }
            let context = StrategyContext(space: p.space, points: points, seed: p.seed, maxEvaluations: settings.maxEvaluations)
            var strategy = try StrategyRegistry.make(settings.strategy, context: context, options: settings.options)
            var proposals: [Proposal] = []
            let cap = settings.maxEvaluations ?? Int.max
            while proposals.count < cap {
                let fraction = settings.maxEvaluations.map { Double(proposals.count) / Double(max(1, $0)) } ?? 0
                guard let next = strategy.next(progress: BudgetProgress(evaluations: proposals.count, fraction: fraction)) else { break }
                proposals.append(next)
            }
            plan.append(PlannedTarget(index: i, target: t, spaceSize: points.count, proposals: proposals, problem: nil,
                                      condition: p.kernel.condition))
        }
        self.plan = plan
        if let path = settings.journalPath {
            if settings.resume, FileManager.default.fileExists(atPath: path) {
                let (j, contents) = try JournalFile.resume(path, expected: header)
                journal = j
                for w in contents.warnings { session.note("warning: \(w)") }
            } else {
                // Never truncate an earlier journal: it is kept under the first free rotated name.
                if let kept = try JournalRotation.rotate(path) {
                    session.note("journal: the earlier journal is kept as \(kept); starting a new one at \(path)")
                }
                journal = try JournalFile.create(path, header: header)
            }
        } else {
            journal = nil
        }
    }

    /// Measures one planned candidate of target `index` here and appends it to the local journal.
    public func measure(target index: Int, proposal: Proposal) throws -> JournalEntry {
        guard index >= 0, index < prepared.count, let p = prepared[index] else {
            throw TunerError.kernel("target \(index) of the sweep is not available on this worker")
        }
        let r = session.measureWithNoiseCheck(p, proposal: proposal, measurer: measurer, bestSeconds: bestSeconds[index])
        if r.outcome == .ok, let s = r.medianSeconds, s < (bestSeconds[index] ?? .infinity) { bestSeconds[index] = s }
        let entry = JournalEntry(kernel: plan[index].target.kernel.rawValue, shape: plan[index].target.shape,
                                 time: TuningSession.timestamp(), result: r, condition: p.kernel.condition.rawValue)
        try journal?.append(entry)
        return entry
    }

    /// The target's outcome from every measurement of it (made by any worker): the best by median GFLOP/s
    /// is the pick, the next best join the head-to-head, and the default is kept unless beaten there.
    public func finish(target index: Int, results: [CandidateResult]) -> ShapeResult {
        let t = plan[index]
        let start = MonotonicClock.nanoseconds()
        guard t.problem == nil, index < prepared.count, let p = prepared[index] else {
            return ShapeResult(target: t.target, spaceSize: t.spaceSize, defaultParams: ParameterSet(), chosenParams: ParameterSet(),
                               keptDefault: true, evaluations: 0, pointsMeasured: 0, replayed: 0, outcomes: [:], seconds: 0,
                               problem: t.problem ?? "not available on this worker")
        }
        var result = ShapeResult(target: t.target, spaceSize: t.spaceSize, defaultParams: p.seed, chosenParams: p.seed,
                                 keptDefault: true, evaluations: results.count, pointsMeasured: Set(results.map(\.params)).count,
                                 replayed: 0, outcomes: [:], seconds: 0)
        var scores: [ParameterSet: Double] = [:]
        for r in results {
            result.outcomes[r.outcome.rawValue, default: 0] += 1
            if let g = r.observation.score, g > (scores[r.params] ?? -.infinity) { scores[r.params] = g }
        }
        // Ties broken by the parameters' text, so every worker that finishes picks the same.
        let ranked = scores.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.description < $1.key.description }.map(\.key)
        result.strategyPick = ranked.first
        result.searchSeconds = results.reduce(0) { $0 + $1.seconds }
        session.confirm(&result, prepared: p, runnersUp: Array(ranked.dropFirst().prefix(max(0, session.settings.contenders - 1))))
        result.seconds = result.searchSeconds + Double(MonotonicClock.nanoseconds() &- start) * 1e-9
        prepared[index] = nil  // release the operands
        return result
    }
}
