import Foundation
import Kernels
import Testing
@testable import Tuner

/// Strategies replayed against recorded exhaustive sweeps (Kernel Tuner's practice: tests replay cache
/// files, so strategies are tested without hardware and deterministically). The fixtures are real
/// `ktune tune --strategy exhaustive` journals of decode matmuls on the 2-core Zen 5 VM (samples trimmed).
@Suite struct ReplayTests {
    /// A recorded sweep: every measured point and its observation.
    struct Landscape {
        var observations: [ParameterSet: Observation] = [:]
        var space: SearchSpace
        var points: [ParameterSet]

        init(fixture: String) throws {
            let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("Fixtures").appendingPathComponent(fixture)
            let data = try Data(contentsOf: url)
            let header = try JSONDecoder().decode(JournalHeader.self, from: Data(data.prefix { $0 != UInt8(ascii: "\n") }))
            let contents = try JournalFile.read(data, path: url.path, expected: header)
            for e in contents.entries { observations[e.result.params] = e.result.observation }
            points = contents.entries.map(\.result.params)
            // The space as recorded (independent of later changes to the kernel's declared space).
            var values: [String: Set<Int>] = [:]
            for p in points { for (k, v) in p.values { values[k, default: []].insert(v) } }
            let recorded = Set(points)
            space = SearchSpace(kernel: "matmul",
                                parameters: values.keys.sorted().map { Parameter($0, values[$0, default: []].sorted()) },
                                constraints: [Constraint("recorded") { recorded.contains($0) }])
        }

        var bestScore: Double { observations.values.compactMap(\.score).max() ?? 0 }
    }

    static let zen5 = MachineTraits(l1dBytes: 48 << 10, l1dWays: 12, l2Bytes: 1 << 20, l2Ways: 16,
                                    l3Bytes: 32 << 20, l3Ways: 16, lineBytes: 64, cores: 2, maxSIMDLanes: 16)

    static func replay(_ l: Landscape, seed: ParameterSet, strategy: String, options: [String] = [])
        throws -> (pick: ParameterSet?, points: Int, proposals: Int) {
        var s = try StrategyRegistry.make(strategy, context: StrategyContext(space: l.space, points: l.points, seed: seed),
                                          options: options)
        var seen = Set<ParameterSet>()
        var n = 0
        while let p = s.next(progress: BudgetProgress(evaluations: n, fraction: 0)) {
            s.observe(p, l.observations[p.params] ?? Observation(outcome: .failed, gflops: nil))
            seen.insert(p.params)
            n += 1
        }
        return (s.incumbent, seen.count, n)
    }

    @Test(arguments: [(1, 576, 576), (1, 1536, 576)])
    func adaptiveLandsNearTheRecordedBestOnATenthOfTheSpace(m: Int, n: Int, k: Int) throws {
        let l = try Landscape(fixture: "matmul-\(m)x\(n)x\(k).exhaustive.jsonl")
        let seed = Matmul.analyticalDefault(m: m, n: n, k: k, on: Self.zen5)
        let r = try Self.replay(l, seed: seed, strategy: "adaptive")
        let pick = try #require(r.pick)
        let score = try #require(l.observations[pick]?.score)
        // Random search with the same number of points (three seeds) does worse than the model-guided search.
        var randomScores: [Double] = []
        for seedOption in ["seed=1", "seed=2", "seed=3"] {
            let x = try Self.replay(l, seed: seed, strategy: "random", options: ["samples=\(r.points)", seedOption])
            randomScores.append(x.pick.flatMap { l.observations[$0]?.score } ?? 0)
        }
        #expect(score >= randomScores.sorted()[1])
        #expect(r.points <= l.points.count / 10)
        #expect(score >= 0.97 * l.bestScore, "pick \(score) vs best \(l.bestScore) after \(r.points) points")
    }
}
