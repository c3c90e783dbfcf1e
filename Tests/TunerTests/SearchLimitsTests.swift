import Foundation
import Kernels
import Testing
@testable import Tuner

/// Search ranges that imply an absurd number of candidates or absurd values are refused with the number
/// they would need, before anything is enumerated, journaled or measured (issue 14, class 2).
@Suite(.serialized) struct SearchLimitsTests {
    /// The real matmul kernel with a search space of `values` values for each of `parameters` parameters.
    final class WideSpaceKernel: TunableKernel {
        static var family: KernelFamilyID { .matmul }
        let inner: any TunableKernel
        let parameters: Int, values: Int
        init(_ inner: any TunableKernel, parameters: Int, values: Int) { self.inner = inner; self.parameters = parameters; self.values = values }
        var shapeKey: String { inner.shapeKey }
        var flops: Double { inner.flops }
        var bytes: Double { inner.bytes }
        func searchSpace(on machine: MachineTraits) -> SearchSpace {
            SearchSpace(kernel: "matmul", parameters: (0..<parameters).map { Parameter("p\($0)", Array(0..<values)) }, constraints: [])
        }
        func analyticalDefault(on machine: MachineTraits) -> ParameterSet { inner.analyticalDefault(on: machine) }
        func run(_ params: ParameterSet) throws(KernelError) { try inner.run(params) }
        func verify(_ params: ParameterSet) throws(KernelError) -> Verification { try inner.verify(params) }
    }

    func refusal(parameters: Int, values: Int, targets: Int = 1) throws -> (message: String?, journalAfter: String, dir: [String]) {
        let machine = try SessionTests.machine()
        let journal = SessionTests.tempPath("earlier.jsonl")
        let dir = (journal as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "earlier journal\n".write(toFile: journal, atomically: true, encoding: .utf8)
        var settings = SessionTests.fast
        try settings.use("exhaustive")
        settings.journalPath = journal
        let session = TuningSession(targets: Array(repeating: TuneTarget(kernel: .matmul, shape: "8x8x8"), count: targets),
                                    settings: settings, machine: machine, calibration: nil) { t in
            WideSpaceKernel(try KernelRegistry.instance(family: t.kernel, shape: t.shape, pool: SessionTests.pool, seed: 3),
                            parameters: parameters, values: values)
        }
        var message: String?
        do { _ = try session.run() } catch let e as TunerError { message = e.description }
        return (message, try String(contentsOfFile: journal, encoding: .utf8),
                try FileManager.default.contentsOfDirectory(atPath: dir).sorted())
    }

    @Test func aSpaceOfBillionsOfCandidatesIsRefusedWithItsSizeAndTheJournalKept() throws {
        let r = try refusal(parameters: 3, values: 2048)   // 2^33 combinations
        let m = try #require(r.message, "not refused")
        #expect(m.contains("matmul 8x8x8"), "\(m)")
        #expect(m.contains("8589934592 candidate combinations (p0 2048 × p1 2048 × p2 2048)"), "\(m)")
        #expect(m.contains("at most \(SearchLimits.maxCartesianPoints)"), "\(m)")
        #expect(r.journalAfter == "earlier journal\n")
        #expect(r.dir == ["earlier.jsonl"], "a refused sweep rotated or wrote a journal: \(r.dir)")
    }

    @Test func aSpaceWhoseSizeOverflowsIsRefusedNotWrapped() throws {
        let r = try refusal(parameters: 4, values: 1 << 17)   // 2^68: wraps to 0 in unchecked arithmetic
        #expect(r.message?.contains("more than 2^63 candidate combinations") == true, "\(r.message ?? "not refused")")
        #expect(r.dir == ["earlier.jsonl"])
    }

    @Test func tooManyTargetsAreRefusedWithTheCount() throws {
        let r = try refusal(parameters: 1, values: 2, targets: SearchLimits.maxTargets + 1)
        #expect(r.message == "the sweep has 4097 targets (kernel × shape); at most 4096 are tuned in one run")
        #expect(r.journalAfter == "earlier journal\n")
    }

    @Test func strategyOptionsBeyondTheirMaximumAreRefusedNamingIt() {
        let cases: [(String, String)] = [("radius=1000000000000", "an integer ≤ 1024 and ≥ 1"),
                                         ("explore-fraction=1e300", "a number ≤ 1.0 and ≥ 0.0"),
                                         ("restarts=9223372036854775807", "an integer ≤ 100000 and ≥ 0")]
        for (item, expected) in cases {
            #expect {
                _ = try StrategyOptions(strategy: "adaptive", table: AdaptiveSearch.options, items: [item])
            } throws: { e in
                (e as? TunerError)?.description.contains("got '\(item.split(separator: "=")[1])', expected \(expected)") == true
            }
        }
        // The limits themselves are accepted.
        #expect(throws: Never.self) {
            _ = try StrategyOptions(strategy: "adaptive", table: AdaptiveSearch.options, items: ["radius=1024", "explore-fraction=1"])
        }
    }
}
