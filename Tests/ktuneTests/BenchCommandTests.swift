import Testing
import Foundation
import Kernels
import Measure
@testable import ktune

@Suite struct BenchCommandTests {
    @Test func openBLASBaselineComputesTheSameProductAsTheReference() throws {
        guard case .success(let blas) = OpenBLASBaseline.load(threads: 1) else {
            // libopenblas0 is part of the machine setup; its absence is reported by the bench itself.
            return
        }
        #expect(getenv("OPENBLAS_CORETYPE") == nil && getenv("OPENBLAS_L2_SIZE") == nil)
        let pool = WorkerPool(threads: 1, pinToCores: false)
        for layout in MatrixLayout.allCases {
            let mm = try MatmulInstance(m: 7, n: 9, k: 5, layout: layout, pool: pool, seed: 3)
            blas.sgemm(m: 7, n: 9, k: 5, a: mm.a, lda: mm.lda, b: mm.b, ldb: mm.ldb, transposedB: layout == .nk,
                       c: mm.c, ldc: mm.ldc)
            var ref = [Float](repeating: 0, count: 63)
            Matmul.reference(m: 7, n: 9, k: 5, a: mm.a, lda: mm.lda, b: mm.b, ldb: mm.ldb, bLayout: layout,
                             c: &ref, ldc: 9, accumulate: false)
            #expect((0..<63).allSatisfy { abs(mm.c[$0] - ref[$0]) <= 1e-5 })
        }
    }

    @Test func jsonReportCarriesTheDocumentedKeys() throws {
        let report = BenchReport(
            kernel: "matmul", shape: "4x4x4", threads: 1, params: ParameterSet(["mr": 8]),
            gflops: .init(median: 2, min: 1, max: 3), gbps: 4, seconds: Summary([1e-6, 2e-6]), samples: 2,
            verification: Verification(maxError: 0, bound: 1e-6),
            baseline: .init(name: "OpenBLAS", gflops: 1, gflopsMin: 1, gflopsMax: 1), ratio: 2, pairedRatio: 2, note: nil)
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any]
        let keys = Set(object?.keys.map { $0 } ?? [])
        #expect(keys.isSuperset(of: ["kernel", "shape", "threads", "params", "gflops", "gbps", "baseline", "ratio"]))
        let gflops = object?["gflops"] as? [String: Any]
        #expect(Set(gflops?.keys.map { $0 } ?? []) == ["median", "min", "max"])
        let baseline = object?["baseline"] as? [String: Any]
        #expect(baseline?["name"] as? String == "OpenBLAS" && baseline?["gflops"] as? Double == 1)
    }
}
