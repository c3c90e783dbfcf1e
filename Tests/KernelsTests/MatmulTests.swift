import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import Kernels

/// Error bound used by every matmul check: |ours − reference| / (|reference| + 1) ≤ 8·K·2⁻²⁴ + 10⁻⁶
/// (operands in [−1, 1); FP32 accumulation error grows linearly with the reduction length K).
func matmulBound(_ k: Int) -> Double { 8 * Double(k) * 0x1p-24 + 1e-6 }

@Suite struct MatmulTests {
    let pool = WorkerPool(threads: 2)

    /// Shapes around one tile: 1, odd, non-multiples of MR/NR/KC, and more than one cache block.
    func edgeShapes(mr: Int, nr: Int) -> [(Int, Int, Int)] {
        [(1, 1, 1), (1, 7, 3), (5, 1, 9), (mr, nr, 16), (mr + 1, nr + 3, 37), (2 * mr - 1, 3 * nr - 5, 70),
         (3 * mr + 2, 2 * nr + 1, 129)]
    }

    @Test(arguments: MicroKernelRegistry.available(maxLanes: HostCPU.maxSIMDLanes).map(\.id))
    func everyRegisteredMicroKernelMatchesTheReferenceOnEdgeShapes(id: String) throws {
        let kernel = try #require(MicroKernelRegistry.all.first { $0.id == id })
        // Small blocks so that every loop of the blocked algorithm runs several times, with edges.
        let mc = 2 * kernel.mr, kc = 32, nc = 2 * kernel.nr
        for (m, n, k) in edgeShapes(mr: kernel.mr, nr: kernel.nr) {
            for layout in MatrixLayout.allCases {
                for (accumulate, threads, split) in [(false, 1, 0), (true, 2, 0), (false, 2, 1), (true, 1, 1), (false, 2, 2), (true, 2, 2)] {
                    let p = try params("path=0,lanes=\(kernel.lanes),mr=\(kernel.mr),nr=\(kernel.nr),mc=\(mc),kc=\(kc),nc=\(nc),threads=\(threads),split=\(split),sn=64,su=1,sr=1,sk=0,pf=0")
                    let err = try matmulError(m: m, n: n, k: k, layout: layout, accumulate: accumulate, params: p, pool: pool)
                    #expect(err <= matmulBound(k), "\(id) \(m)x\(n)x\(k) \(layout) acc=\(accumulate) t=\(threads) split=\(split): \(err)")
                }
            }
        }
    }

    @Test func analyticalDefaultMatchesTheReferenceOnAModeratelyLargeShape() throws {
        let traits = MachineTraits(l1dBytes: 48 << 10, l1dWays: 12, l2Bytes: 1 << 20, l2Ways: 16,
                                   l3Bytes: 32 << 20, l3Ways: 16, lineBytes: 64, cores: 2,
                                   maxSIMDLanes: HostCPU.maxSIMDLanes)
        for layout in MatrixLayout.allCases {
            let (m, n, k) = (203, 317, 611)
            let p = try MatmulParams(Matmul.analyticalDefault(m: m, n: n, k: k, on: traits))
            let err = try matmulError(m: m, n: n, k: k, layout: layout, accumulate: layout == .nk, params: p, pool: pool)
            #expect(err <= matmulBound(k), "\(layout): \(err)")
        }
    }

    @Test(arguments: [4, 8, 16].filter { $0 <= HostCPU.maxSIMDLanes })
    func skinnyPathMatchesTheReferenceForEveryRegisterShape(lanes: Int) throws {
        for sr in MatmulParams.skinnyRowGroups {
            for su in MatmulParams.skinnyUnrolls {
                for (m, n, k) in [(1, 1, 1), (1, 37, 33), (3, 19, 100), (4, 64, lanes * 3), (9, 23, 15), (16, 70, 129)] {
                    for layout in MatrixLayout.allCases {
                        // Every next-tile prefetch (pn) with both thread counts; it only acts with M > sr.
                        for threads in [1, 2] {
                            for pn in m > sr ? [0, 1, 2] : [(sr + su + threads) % 3] {
                                let p = try params("path=1,lanes=\(lanes),mr=8,nr=32,mc=96,kc=256,nc=512,threads=\(threads),split=0,sn=\(8 * su),su=\(su),sr=\(sr),sk=\(k > 40 ? 32 : 0),pf=\(threads == 2 ? 128 : 0),pn=\(pn)")
                                let err = try matmulError(m: m, n: n, k: k, layout: layout, accumulate: m % 2 == 1, params: p, pool: pool)
                                #expect(err <= matmulBound(k), "skinny lanes=\(lanes) sr=\(sr) su=\(su) pn=\(pn) \(m)x\(n)x\(k) \(layout) t=\(threads): \(err)")
                            }
                        }
                    }
                }
            }
        }
    }

    @Test func badShapesAreRejectedBeforeAnyWork() throws {
        let p = try params("path=0,lanes=8,mr=8,nr=16,mc=64,kc=64,nc=64,threads=1,split=0,sn=64,su=1,sr=1,sk=0,pf=0")
        var a = [Float](repeating: 1, count: 64), b = a, c = [Float](repeating: 7, count: 64)
        for (m, n, k, lda, ldb, ldc) in [(0, 4, 4, 4, 4, 4), (4, 4, 4, 3, 4, 4), (4, 8, 4, 4, 4, 8), (4, 4, 4, 4, 4, 2), (2, -1, 2, 2, 2, 2),
                                         (1 << 31, 4, 1 << 40, 1 << 40, 4, 4)] {
            #expect {
                try Matmul.run(m: m, n: n, k: k, a: &a, lda: lda, b: &b, ldb: ldb, bLayout: .kn, c: &c, ldc: ldc,
                               accumulate: false, params: p, pool: pool)
            } throws: { error in
                if case .invalidShape(let kernel, _) = error as? KernelError { return kernel == "matmul" }
                return false
            }
        }
        #expect(c.allSatisfy { $0 == 7 })
    }

    @Test func parameterSetsBreakingConstraintsAreTypedErrors() throws {
        #expect(throws: KernelError.self) { try params("path=0,lanes=16,mr=8,nr=32,mc=100,kc=256,nc=512,threads=1,split=0,sn=64,su=1,sr=1,sk=0,pf=0") }
        #expect(throws: KernelError.self) { try params("path=0,lanes=16,mr=7,nr=32,mc=112,kc=256,nc=512,threads=1,split=0,sn=64,su=1,sr=1,sk=0,pf=0") }
        #expect(throws: KernelError.self) { try params("path=0,lanes=32,mr=8,nr=32,mc=96,kc=256,nc=512,threads=1,split=0,sn=64,su=1,sr=1,sk=0,pf=0") }
        #expect(throws: KernelError.missingParameter(kernel: "matmul", name: "mc")) { try params("path=0,lanes=16,mr=8,nr=32") }
        for pf in [-64, 100, MatmulParams.maxPrefetchBytes + 64] {
            #expect(throws: KernelError.self) { try params("path=1,lanes=16,mr=8,nr=32,mc=96,kc=256,nc=512,threads=1,split=0,sn=64,su=1,sr=1,sk=0,pf=\(pf)") }
        }
        do throws(KernelError) {
            _ = try params("path=0,lanes=16,mr=8,nr=32,mc=100,kc=256,nc=512,threads=1,split=0,sn=64,su=1,sr=1,sk=0,pf=0")
        } catch {
            guard case .invalidParameters(_, _, let violations) = error else { Issue.record("wrong error \(error)"); return }
            #expect(violations == ["mc is a multiple of mr"])
        }
    }

    @Test func lanesTheCPULacksAndExcessThreadsAreRejected() throws {
        let p = try params("path=0,lanes=16,mr=8,nr=32,mc=96,kc=256,nc=512,threads=2,split=0,sn=64,su=1,sr=1,sk=0,pf=0")
        #expect(throws: KernelError.unsupported(kernel: "matmul", reason: "lanes=16 but this CPU executes at most 8 Float lanes")) {
            try Matmul.validate(m: 4, n: 4, k: 4, lda: 4, ldb: 4, bLayout: .kn, ldc: 4, params: p, pool: pool, maxLanes: 8)
        }
        let single = WorkerPool(threads: 1, pinToCores: false)
        #expect(throws: KernelError.self) {
            try Matmul.validate(m: 4, n: 4, k: 4, lda: 4, ldb: 4, bLayout: .kn, ldc: 4, params: p, pool: single, maxLanes: 16)
        }
    }

    @Test func analyticalDefaultSatisfiesItsOwnSearchSpace() throws {
        let machines = [
            MachineTraits(l1dBytes: 48 << 10, l1dWays: 12, l2Bytes: 1 << 20, l2Ways: 16, l3Bytes: 32 << 20,
                          l3Ways: 16, lineBytes: 64, cores: 2, maxSIMDLanes: 16),
            MachineTraits.fallback(cores: 8, maxSIMDLanes: 8),
            MachineTraits.fallback(cores: 1, maxSIMDLanes: 4),
        ]
        for machine in machines {
            for (m, n, k) in [(1, 4096, 4096), (16, 576, 576), (1024, 1024, 1024), (4096, 4096, 4096), (7, 3, 5), (300, 49152, 576)] {
                let seed = Matmul.analyticalDefault(m: m, n: n, k: k, on: machine)
                let space = Matmul.searchSpace(m: m, n: n, k: k, on: machine)
                #expect(space.violations(of: seed) == [], "\(machine.maxSIMDLanes) lanes \(m)x\(n)x\(k): \(seed)")
                #expect(throws: Never.self) { try MatmulParams(seed) }
                #expect((seed["lanes"] ?? 0) <= machine.maxSIMDLanes)
            }
        }
        // The model's numbers on Zen 5 (48 KiB/12-way L1, 1 MiB/16-way L2): an 8×32 zmm tile, KC = 256.
        let zen5 = Matmul.analyticalDefault(m: 4096, n: 4096, k: 4096, on: machines[0])
        #expect(zen5["mr"] == 8 && zen5["nr"] == 32 && zen5["kc"] == 256)
    }
}

/// Large shapes through the full reference (seconds each): `KTUNE_SLOW_TESTS=1 swift test --filter MatmulSlowTests`.
@Suite(.enabled(if: ProcessInfoLite.slowTests)) struct MatmulSlowTests {
    @Test(arguments: [(1000, 1001, 999), (16, 4096, 4096), (1, 4096, 4096), (257, 2048, 576)])
    func largeShapesMatchTheReferenceWithTheAnalyticalDefault(shape: (Int, Int, Int)) throws {
        let pool = WorkerPool(threads: 2)
        let traits = MachineTraits.host()
        for layout in MatrixLayout.allCases {
            let p = try MatmulParams(Matmul.analyticalDefault(m: shape.0, n: shape.1, k: shape.2, on: traits))
            let err = try matmulError(m: shape.0, n: shape.1, k: shape.2, layout: layout, accumulate: false, params: p, pool: pool)
            #expect(err <= matmulBound(shape.2), "\(shape) \(layout): \(err)")
        }
    }
}

enum ProcessInfoLite {
    static var slowTests: Bool { getenv("KTUNE_SLOW_TESTS").map { String(cString: $0) == "1" } ?? false }
}
