import Kernels
import Testing
@testable import Tuner

/// Strategies driven without hardware: the real matmul search space, with a deterministic objective
/// standing in for measurements (Kernel Tuner tests strategies by replaying recorded cache files).
@Suite struct StrategyTests {
    static let traits = MachineTraits(l1dBytes: 48 << 10, l1dWays: 12, l2Bytes: 1 << 20, l2Ways: 16,
                                      l3Bytes: 32 << 20, l3Ways: 16, lineBytes: 64, cores: 2, maxSIMDLanes: 16)

    static func context(m: Int = 256, n: Int = 256, k: Int = 256) -> StrategyContext {
        let space = Matmul.searchSpace(m: m, n: n, k: k, on: traits)
        return StrategyContext(space: space, points: space.enumerate(),
                               seed: Matmul.analyticalDefault(m: m, n: n, k: k, on: traits))
    }

    /// A smooth objective peaking away from the seed: prefers kc=256, mc=192, threads=2, split=1.
    static func objective(_ p: ParameterSet) -> Double {
        var s = 100.0
        s -= abs(Double((p["kc"] ?? 0) - 256)) / 8
        s -= abs(Double((p["mc"] ?? 0) - 192)) / 16
        s += Double(p["threads"] ?? 1) * 10 + Double(p["split"] ?? 0) * 5
        s += (p["mr"] ?? 0) * (p["nr"] ?? 0) >= 128 ? 10 : 0
        return s
    }

    /// Runs `strategy` to completion (or `limit` proposals), answering with `objective`.
    static func drive(_ strategy: inout any SearchStrategy, limit: Int = 100_000,
                      fraction: (Int) -> Double = { _ in 0 }) -> [Proposal] {
        var seen: [Proposal] = []
        while seen.count < limit, let p = strategy.next(progress: BudgetProgress(evaluations: seen.count, fraction: fraction(seen.count))) {
            seen.append(p)
            strategy.observe(p, Observation(outcome: .ok, gflops: objective(p.params)))
        }
        return seen
    }

    @Test func exhaustiveVisitsEveryValidPointExactlyOnce() throws {
        let ctx = Self.context()
        #expect(ctx.points.count > 50)
        var s = try StrategyRegistry.make("exhaustive", context: ctx, options: [])
        let seen = Self.drive(&s)
        #expect(seen.count == ctx.points.count)
        #expect(Set(seen.map(\.params)) == Set(ctx.points))
        #expect(seen.allSatisfy { $0.rung == 0 })
        let best = ctx.points.max { Self.objective($0) < Self.objective($1) }
        #expect(s.incumbent.map(Self.objective) == best.map(Self.objective))
    }

    @Test func shuffledExhaustiveStillVisitsEveryPointOnce() throws {
        let ctx = Self.context()
        var s = try StrategyRegistry.make("exhaustive", context: ctx, options: ["shuffle=true", "seed=3"])
        let seen = Self.drive(&s)
        #expect(seen.count == ctx.points.count && Set(seen.map(\.params)).count == ctx.points.count)
        #expect(seen.map(\.params) != ctx.points)
    }

    @Test func randomRespectsSampleCountAndConstraints() throws {
        let ctx = Self.context()
        var s = try StrategyRegistry.make("random", context: ctx, options: ["samples=25", "seed=9"])
        let seen = Self.drive(&s)
        #expect(seen.count == 25)
        #expect(Set(seen.map(\.params)).count == 25)
        #expect(seen.allSatisfy { ctx.space.isValid($0.params) })
    }

    @Test func adaptiveScreensAtMostTheExploreFractionAndBeatsTheSeed() throws {
        let ctx = Self.context()
        var s = try StrategyRegistry.make("adaptive", context: ctx, options: [])
        let seen = Self.drive(&s)
        let screened = Set(seen.filter { $0.rung == 0 }.map(\.params))
        #expect(screened.count <= max(8, ctx.points.count / 10))
        #expect(seen.first?.params == ctx.seed || !ctx.space.isValid(ctx.seed))
        #expect(seen.allSatisfy { ctx.space.isValid($0.params) })
        // Successive halving re-measured finalists at higher rungs.
        #expect(seen.contains { $0.rung >= 1 })
        let pick = try #require(s.incumbent)
        #expect(Self.objective(pick) > Self.objective(ctx.seed))
        let best = ctx.points.map(Self.objective).max() ?? 0
        #expect(Self.objective(pick) >= 0.9 * best)
    }

    @Test func adaptiveLeavesExplorationWhenTheBudgetRunsLow() throws {
        let ctx = Self.context()
        var s = try StrategyRegistry.make("adaptive", context: ctx, options: ["explore-budget=0.5"])
        let seen = Self.drive(&s, fraction: { $0 >= 4 ? 0.6 : 0 })
        #expect(seen.filter { $0.rung == 0 }.count == 4)
        #expect(seen.contains { $0.rung == 1 })
    }

    @Test func strategiesAreDeterministicSoAJournalReplayWalksTheSamePath() throws {
        for name in StrategyRegistry.names {
            var a = try StrategyRegistry.make(name, context: Self.context(), options: [])
            var b = try StrategyRegistry.make(name, context: Self.context(), options: [])
            #expect(Self.drive(&a, limit: 60) == Self.drive(&b, limit: 60), "\(name)")
        }
    }
}
