import Testing
@testable import Kernels

/// Every variant the tuner can emit for the quantized matmul families, against the reference
/// (dequantize with `QuantReference`, then FP32 in Double) over edge shapes; errors are divided by the
/// bounds `QuantMatmulInstance` states, so each check is `maxError ≤ 1`.
@Suite struct QuantMatmulTests {
    let pool = WorkerPool(threads: 2)
    let traits = MachineTraits.host()

    /// K values per format: one block, an odd number of 32-value blocks (a half chunk at the end), more
    /// than one K block of the prefill path.
    func ks(_ f: QuantFormat) -> [Int] {
        switch f.blockElements {
        case 256: return [256, 768]
        case 32: return [32, 96, 576]
        default: return [1, 37, 64, 300]
        }
    }

    func check(_ f: QuantFormat, m: Int, n: Int, k: Int, _ params: ParameterSet) throws {
        let inst = try QuantMatmulInstance(format: f, m: m, n: n, k: k, pool: pool, seed: UInt64(m * 31 + n * 7 + k))
        let v = try inst.verify(params)
        #expect(v.passed, "\(f) \(m)x\(n)x\(k) \(params): error \(v.maxError) of the bound")
    }

    @Test("decode variants (act, sr, su, threads, pf) match the reference", arguments: QuantFormat.allCases)
    func decodeVariants(format: QuantFormat) throws {
        for k in ks(format) {
            for (m, n) in [(1, 1), (1, 9), (3, 17), (5, 8), (16, 33)] {
                let space = QuantMatmul.searchSpace(m: m, n: n, k: k, format: format, on: traits)
                let seed = QuantMatmul.analyticalDefault(m: m, n: n, k: k, format: format, on: traits)
                #expect(space.isValid(seed), "\(format) seed \(seed): \(space.violations(of: seed))")
                for act in space.parameters.first(where: { $0.name == "act" })!.values {
                    for isa in 0...2 where QuantCPU.host.supports(isa: isa, integer: act == 0) {
                        for sr in QuantMatmulParams.rowGroups where isa > 0 || sr == 1 {
                            for su in QuantMatmulParams.unrolls where QuantMatmulParams.fits(isa: isa, act: act, sr: sr, su: su)
                                && (isa > 0 || su == 1) {
                                var p = seed
                                p["path"] = 0; p["act"] = act; p["sr"] = sr; p["su"] = su; p["isa"] = isa
                                p["threads"] = (sr + su) % 2 + 1; p["rn"] = 1 + (m + su) % 5; p["pf"] = su == 2 ? 512 : 0
                                try check(format, m: m, n: n, k: k, p)
                            }
                        }
                    }
                }
            }
        }
    }

    @Test("int8 block kernels (AVX-512 and AVX2) across 512-value groups and super-blocks", arguments: [QuantFormat.q8_0, .q4_0, .q4_1, .q5_0, .q4_K])
    func blockKernels(format: QuantFormat) throws {
        let ks = format == .q4_K ? [2304, 4096] : [1056, 4096 + 32]
        for isa in [1, 2] where QuantCPU.host.supports(isa: isa, integer: true) {
            for k in ks {
                for (m, n, sr, su) in [(1, 9, 1, 4), (5, 6, 2, 2), (4, 3, 4, 1), (6, 8, 2, 4), (4, 4, 4, 2), (2, 5, 1, 1)]
                where QuantMatmulParams.fits(isa: isa, act: 0, sr: sr, su: su) {
                    var p = QuantMatmul.analyticalDefault(m: m, n: n, k: k, format: format, on: traits)
                    p["path"] = 0; p["act"] = 0; p["isa"] = isa; p["sr"] = sr; p["su"] = su; p["rn"] = 4
                    p["pf"] = m == 1 ? 1024 : 0
                    try check(format, m: m, n: n, k: k, p)
                }
            }
        }
    }

    @Test("prefill variants (tiles, mc, kc, nc, threads) match the reference", arguments: QuantFormat.allCases)
    func prefillVariants(format: QuantFormat) throws {
        let tiles = QuantMatmul.prefillTiles.filter { $0.lanes <= HostCPU.maxSIMDLanes }
        for k in ks(format) + [format.blockElements == 1 ? 520 : 512 + format.blockElements] {
            for (i, tile) in tiles.enumerated() {
                let (m, n) = [(17, 1), (33, 37), (2 * tile.mr + 1, 2 * tile.nr + 3)][i % 3]
                var p = QuantMatmul.analyticalDefault(m: m, n: n, k: k, format: format, on: traits)
                p["path"] = 1; p["lanes"] = tile.lanes; p["mr"] = tile.mr; p["nr"] = tile.nr
                p["mc"] = tile.mr * 2; p["nc"] = tile.nr * 2; p["kc"] = 256 * (1 + i % 2); p["threads"] = 1 + i % 2
                try check(format, m: m, n: n, k: k, p)
            }
        }
    }

    @Test("the analytical default and sampled search-space points verify at model shapes")
    func sampledSpace() throws {
        for (f, m, n, k) in [(QuantFormat.q4_1, 1, 576, 576), (.q8_0, 4, 192, 576), (.q4_K, 16, 128, 896),
                             (.q6_K, 1, 136, 4864), (.q5_0, 2, 64, 1536), (.bf16, 1, 40, 576), (.f16, 20, 50, 64)] {
            let k2 = (k + f.blockElements - 1) / f.blockElements * f.blockElements
            let space = QuantMatmul.searchSpace(m: m, n: n, k: k2, format: f, on: traits)
            let points = space.enumerate()
            #expect(!points.isEmpty)
            var random = SplitMix64(seed: 3)
            var chosen = [QuantMatmul.analyticalDefault(m: m, n: n, k: k2, format: f, on: traits)]
            for _ in 0..<6 { chosen.append(points[Int(random.next() % UInt64(points.count))]) }
            for p in chosen { try check(f, m: m, n: n, k: k2, p) }
        }
    }

    @Test("fused outputs with different formats equal separate calls")
    func fused() throws {
        let k = 512, m = 3
        let formats: [(QuantFormat, Int)] = [(.q4_K, 40), (.q6_K, 24), (.q8_0, 9)]
        let stores = try formats.enumerated().map { i, f in try QuantizedMatrixStorage(format: f.0, rows: f.1, cols: k, seed: UInt64(i + 5)) }
        var random = SplitMix64(seed: 11)
        let x = (0..<(m * k)).map { _ in random.symmetric() }
        // rn 5 and 16: tasks that end one matrix and start the next (the concatenated rows are split);
        // 73: one task for all three.
        for (act, isa) in [(0, 2), (1, 2), (0, 1), (1, 1)] where QuantCPU.host.supports(isa: isa, integer: act == 0) {
          for rn in [5, 16, 73] {
            var ys = formats.map { [Float](repeating: .nan, count: m * ($0.1 + 3)) }
            var seps = ys
            var p = try QuantMatmulParams(QuantMatmul.analyticalDefault(m: m, n: 73, k: k, format: .q4_K, on: traits))
            p.act = act; p.path = 0; p.rn = rn; p.isa = isa
            (p.sr, p.su) = isa == 1 ? (2, 2) : (p.sr, p.su)
            try x.withUnsafeBufferPointer { xb in
                var outs: [QuantMatmulOutput] = []
                for i in 0..<formats.count {
                    let yp = ys[i].withUnsafeMutableBufferPointer { $0.baseAddress! }
                    outs.append(QuantMatmulOutput(weights: stores[i].matrix(), y: yp, ldy: formats[i].1 + 3))
                }
                try QuantMatmul.run(m: m, x: xb.baseAddress!, ldx: k, outputs: outs, params: p, pool: pool)
                for i in 0..<formats.count {
                    try seps[i].withUnsafeMutableBufferPointer { yb in
                        try QuantMatmul.run(m: m, x: xb.baseAddress!, ldx: k, weights: stores[i].matrix(), y: yb.baseAddress!,
                                            ldy: formats[i].1 + 3, params: p, pool: pool)
                    }
                }
            }
            for i in 0..<formats.count {
                for r in 0..<m {
                    for j in 0..<formats[i].1 {
                        let a = ys[i][r * (formats[i].1 + 3) + j], b = seps[i][r * (formats[i].1 + 3) + j]
                        #expect(a == b, "rn \(rn), output \(i) [\(r), \(j)]: fused \(a) vs separate \(b)")
                    }
                }
            }
          }
        }
    }

    @Test("the portable decode kernel (CPUs without AVX-512) matches the reference")
    func portable() throws {
        let cpu = QuantCPU(avx512: false, integerDot: false, maxLanes: 8)
        for f in QuantFormat.allCases {
            let k = f.blockElements == 1 ? 70 : 2 * max(32, f.blockElements)
            let inst = try QuantMatmulInstance(format: f, m: 3, n: 11, k: k, pool: pool)
            var p = try QuantMatmulParams(inst.analyticalDefault(on: traits))
            p.path = 0; p.act = 1; p.rn = 4
            var ref = [Float](repeating: 0, count: 3 * 11)
            ref.withUnsafeMutableBufferPointer { QuantMatmul.reference(m: 3, x: inst.x, ldx: k, weights: inst.storage.matrix(), y: $0.baseAddress!, ldy: 11) }
            QuantMatmul.decode(m: 3, x: inst.x, ldx: k, outputs: [QuantMatmulOutput(weights: inst.storage.matrix(), y: inst.y, ldy: 11)],
                               params: p, pool: pool, cpu: cpu)
            for i in 0..<(3 * 11) { #expect(abs(inst.y[i] - ref[i]) <= 1e-4 * (abs(ref[i]) + 1), "\(f) [\(i)]") }
            p.path = 1
            QuantMatmul.prefill(m: 3, x: inst.x, ldx: k, output: QuantMatmulOutput(weights: inst.storage.matrix(), y: inst.y, ldy: 11),
                                params: p, pool: pool, cpu: cpu)
            for i in 0..<(3 * 11) { #expect(abs(inst.y[i] - ref[i]) <= 1e-4 * (abs(ref[i]) + 1), "\(f) prefill [\(i)]") }
        }
    }

    @Test("bad calls are refused before any work")
    func refusals() throws {
        let s = try QuantizedMatrixStorage(format: .q4_0, rows: 4, cols: 64)
        let f16 = try QuantizedMatrixStorage(format: .f16, rows: 4, cols: 64)
        var p = try QuantMatmulParams(QuantMatmul.analyticalDefault(m: 1, n: 4, k: 64, format: .q4_0, on: traits))
        let x = UnsafeMutablePointer<Float>.allocate(capacity: 256); defer { x.deallocate() }
        let y = UnsafeMutablePointer<Float>.allocate(capacity: 256); defer { y.deallocate() }
        let out = QuantMatmulOutput(weights: s.matrix(), y: y, ldy: 4)
        p.act = 0
        let noVNNI = QuantCPU(avx512: true, integerDot: false, maxLanes: 16)
        #expect(throws: KernelError.self) { try QuantMatmul.validate(m: 1, ldx: 64, outputs: [out], params: p, pool: pool, cpu: noVNNI) }
        #expect(throws: KernelError.self) {
            try QuantMatmul.validate(m: 1, ldx: 64, outputs: [QuantMatmulOutput(weights: f16.matrix(), y: y, ldy: 4)], params: p, pool: pool)
        }
        #expect(throws: KernelError.self) { try QuantMatmul.validate(m: 1, ldx: 63, outputs: [out], params: p, pool: pool) }
        #expect(throws: KernelError.self) { try QuantMatmul.validate(m: 1, ldx: 64, outputs: [QuantMatmulOutput(weights: s.matrix(), y: y, ldy: 3)], params: p, pool: pool) }
        #expect(throws: KernelError.self) { try QuantMatmul.validate(m: 65, ldx: 64, outputs: [out], params: p, pool: pool) }
        #expect(throws: KernelError.self) { try QuantMatmul.validate(m: 1, ldx: 64, outputs: [], params: p, pool: pool) }
        p.threads = 3
        #expect(throws: KernelError.self) { try QuantMatmul.validate(m: 1, ldx: 64, outputs: [out], params: p, pool: pool) }
        #expect(throws: KernelError.self) { try QuantMatmulParams(path: 0, act: 0, threads: 1, rn: 1, su: 3, sr: 1, pf: 0, lanes: 16, mr: 8, nr: 32, mc: 64, kc: 256, nc: 256) }
        #expect(throws: KernelError.self) { try QuantMatmulParams(path: 1, act: 0, threads: 1, rn: 1, su: 1, sr: 1, pf: 0, lanes: 16, mr: 8, nr: 32, mc: 64, kc: 300, nc: 256) }
        #expect(throws: KernelError.self) { try QuantMatmulParams(path: 0, act: 0, threads: 1, rn: 1, su: 1, sr: 1, pf: 0, lanes: 16, mr: 8, nr: 32, mc: 64, kc: 256, nc: 256, isa: 0) }
        #expect(throws: KernelError.self) { try QuantMatmulParams(path: 0, act: 0, threads: 1, rn: 1, su: 4, sr: 2, pf: 0, lanes: 16, mr: 8, nr: 32, mc: 64, kc: 256, nc: 256, isa: 1) }
        #expect(throws: KernelError.self) { try QuantMatmulParams(path: 0, act: 1, threads: 1, rn: 1, su: 1, sr: 1, pf: 0, lanes: 16, mr: 8, nr: 32, mc: 64, kc: 256, nc: 256, isa: 3) }
        // An ISA the CPU lacks is refused before any work.
        var q = p
        q.threads = 1; q.isa = 1; q.act = 0
        #expect(throws: KernelError.self) {
            try QuantMatmul.validate(m: 1, ldx: 64, outputs: [out], params: q, pool: pool, cpu: QuantCPU(avx512: true, integerDot: true, avx2: false, maxLanes: 16))
        }
        q.isa = 2; q.act = 1
        #expect(throws: KernelError.self) {
            try QuantMatmul.validate(m: 1, ldx: 64, outputs: [out], params: q, pool: pool, cpu: QuantCPU(avx512: false, integerDot: false, avx2: true, maxLanes: 8))
        }
        #expect(throws: KernelError.self) { try QuantMatmulInstance(format: .q4_K, shapeKey: "1x64x100", pool: pool) }
    }
}
