import Kernels

/// The default strategy: local search from the analytical seed, then successive halving of repeat counts
/// among the best points found.
///
/// Exploration measures neighbourhoods at rung 0 (a quick screen), best first: the centre is always the
/// best-scoring point whose neighbourhood has not been explored yet (a beam that widens on flat, noisy
/// landscapes instead of stopping at the first local optimum). A neighbourhood is every point one or
/// `radius` steps away along one parameter's value list, with coupled parameters repaired to the nearest
/// valid point (so `mc % mr == 0` style constraints do not wall off moves), then up to `pairs` random
/// two-parameter moves. When every measured point has been a centre, random restarts add fresh points.
/// Exploration stops after `explore-fraction` of the valid points or `explore-budget` of the
/// budget; then the `finalists` best are re-measured with doubled repeats per rung, keeping the top half
/// each time (successive halving, Jamieson & Talwalkar 2016), so the winner is confirmed with the most
/// careful measurements while screening stays cheap. The BLIS analytical seed is usually near the optimum
/// (Low et al., TOMS 2016), which is why starting there and searching locally pays.
public struct AdaptiveSearch: SearchStrategy {
    public static let name = "adaptive"
    public static let summary = "local search from the analytical seed, then successive halving of repeats (default)"
    public static let options: [StrategyOption] = [
        StrategyOption("explore-fraction", .double, default: "0.1", minimum: 0, maximum: 1,
                       help: "screen at most this fraction of the valid points"),
        StrategyOption("min-points", .int, default: "8", minimum: 1, maximum: 1_000_000,
                       help: "screen at least this many points even in small spaces"),
        StrategyOption("explore-budget", .double, default: "0.75", minimum: 0, maximum: 1,
                       help: "share of the time/evaluation budget spent screening before confirmation"),
        StrategyOption("radius", .int, default: "1", minimum: 1, maximum: 1024,
                       help: "steps along a parameter's value list that count as neighbours"),
        StrategyOption("pairs", .int, default: "6", minimum: 0, maximum: 10_000,
                       help: "random two-parameter moves tried around each centre after its one-parameter moves"),
        StrategyOption("restarts", .int, default: "4", minimum: 0, maximum: 100_000,
                       help: "random points added when every measured point has been a centre"),
        StrategyOption("finalists", .int, default: "4", minimum: 1, maximum: 10_000,
                       help: "best screened points re-measured by successive halving"),
        StrategyOption("seed", .int, default: "1", minimum: 0, help: "random seed for restarts"),
    ]

    private enum Phase: Equatable { case explore, confirm(rung: Int), done }

    private let points: [ParameterSet]
    private let grid: ParameterGrid
    private let seedIndex: Int?
    private let exploreCap: Int
    private let exploreBudget: Double
    private let radius: Int
    private let pairMoves: Int
    private let finalistCount: Int
    private var restartsLeft: Int
    private var rng: SplitMix64

    private var phase = Phase.explore
    private var pending: [Int] = []
    /// Rung-0 score per point index (nil: measured but not ok).
    private var screened: [Int: Double?] = [:]
    /// Points whose neighbourhood has been queued.
    private var centres = Set<Int>()
    /// Survivors of the current confirmation rung, their scores at it, and the last complete rung's pick.
    private var survivors: [Int] = []
    private var rungScores: [Int: Double] = [:]
    private var confirmed: Int?

    public init(context: StrategyContext, options: StrategyOptions) {
        points = context.points
        grid = ParameterGrid(space: context.space, points: context.points)
        seedIndex = grid.nearestPoint(to: context.seed)
        exploreCap = max(options.int("min-points"),
                         Int((options.double("explore-fraction") * Double(points.count)).rounded(.down)))
        exploreBudget = options.double("explore-budget")
        radius = options.int("radius")
        pairMoves = options.int("pairs")
        finalistCount = options.int("finalists")
        restartsLeft = options.int("restarts")
        rng = SplitMix64(seed: UInt64(options.int("seed")))
    }

    public mutating func next(progress: BudgetProgress) -> Proposal? {
        if phase == .explore {
            let open = screened.count < exploreCap && progress.fraction < exploreBudget && refillExploration()
            if open, let i = pending.popLast() { return Proposal(points[i], rung: 0) }
            startConfirmation()
        }
        if case .confirm = phase, pending.isEmpty { advanceRung() }
        guard case let .confirm(r) = phase, let i = pending.popLast() else { return nil }
        return Proposal(points[i], rung: r)
    }

    public mutating func observe(_ proposal: Proposal, _ observation: Observation) {
        guard let i = grid.index(of: proposal.params) else { return }
        if proposal.rung == 0 {
            screened[i] = .some(observation.score)
        } else if case let .confirm(r) = phase, r == proposal.rung, let s = observation.score {
            rungScores[i] = s
        }
    }

    public var incumbent: ParameterSet? {
        if let confirmed { return points[confirmed] }
        return bestScreened().map { points[$0] }
    }

    // MARK: exploration

    private func bestScreened() -> Int? {
        Self.ranked(screened.compactMap { i, s in s.map { (i, $0) } }).first
    }

    /// Fills `pending` with unvisited points; false when nothing is left to explore.
    private mutating func refillExploration() -> Bool {
        pending.removeAll { screened[$0] != nil }
        if !pending.isEmpty { return true }
        guard let seedIndex else { return false }
        if screened.isEmpty { pending = [seedIndex]; return true }
        let ranked = Self.ranked(screened.compactMap { i, s in s.map { (i, $0) } })
        for c in ranked where !centres.contains(c) {
            centres.insert(c)
            var moves = grid.neighbours(of: c, radius: radius).filter { screened[$0] == nil }
            var pairs = grid.pairNeighbours(of: c).filter { screened[$0] == nil && !moves.contains($0) }
            pairs.shuffle(using: &rng)
            moves += pairs.prefix(pairMoves)
            if !moves.isEmpty {
                pending = moves.reversed()
                return true
            }
        }
        while restartsLeft > 0 {
            restartsLeft -= 1
            let unvisited = points.indices.filter { screened[$0] == nil }
            guard let pick = unvisited.randomElement(using: &rng) else { return false }
            pending = [pick]
            return true
        }
        return false
    }

    // MARK: confirmation (successive halving)

    private mutating func startConfirmation() {
        let ranked = Self.ranked(screened.compactMap { i, s in s.map { (i, $0) } })
        survivors = Array(ranked.prefix(finalistCount))
        pending = []
        rungScores = [:]
        if survivors.count <= 1 {
            confirmed = survivors.first
            phase = .done
        } else {
            phase = .confirm(rung: 1)
            pending = survivors.reversed()
        }
    }

    /// Called when the current rung's proposals are all observed: keep the better half, go one rung up.
    private mutating func advanceRung() {
        guard case let .confirm(r) = phase else { return }
        let ranked = Self.ranked(survivors.compactMap { i in rungScores[i].map { (i, $0) } })
        confirmed = ranked.first ?? confirmed
        let keep = Array(ranked.prefix((ranked.count + 1) / 2))
        if keep.count <= 1 {
            phase = .done
            return
        }
        survivors = keep
        rungScores = [:]
        phase = .confirm(rung: r + 1)
        pending = keep.reversed()
    }

    /// Point indices by descending score, ties broken by enumeration order (deterministic).
    private static func ranked(_ scored: [(Int, Double)]) -> [Int] {
        scored.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.map(\.0)
    }
}
