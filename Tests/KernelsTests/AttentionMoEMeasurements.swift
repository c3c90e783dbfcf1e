#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Kernels

/// Side-by-side measurements for the attention and expert-gather report (not timing assertions): each
/// kernel and its baseline run interleaved in one process, medians and ratios printed. Slow; runs only
/// with KTUNE_SLOW_TESTS=1, meant for `swift test -c release`.
@Suite(.enabled(if: getenv("KTUNE_SLOW_TESTS") != nil), .serialized)
struct AttentionMoEMeasurements {
    let pool = WorkerPool(threads: 2)
    let traits = MachineTraits(l1dBytes: 48 << 10, l1dWays: 12, l2Bytes: 1 << 20, l2Ways: 16, l3Bytes: 32 << 20,
                               l3Ways: 16, lineBytes: 64, cores: 2, maxSIMDLanes: HostCPU.maxSIMDLanes)

    /// Median seconds per call of each body, sampled round-robin.
    func interleaved(_ bodies: [() throws -> Void], rounds: Int = 15) throws -> [Double] {
        let clock = ContinuousClock()
        for b in bodies { try b(); try b() }
        var samples = [[Double]](repeating: [], count: bodies.count)
        for _ in 0..<rounds {
            for (i, b) in bodies.enumerated() {
                let t0 = clock.now
                try b()
                let d = clock.now - t0
                samples[i].append(Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
            }
        }
        return samples.map { s in let o = s.sorted(); return o[o.count / 2] }
    }

    /// Reads `bytes` with both threads (16 independent 16-lane accumulators per thread).
    static func read(_ p: UnsafePointer<Float>, floats: Int, pool: WorkerPool) -> Float {
        var sums = [Float](repeating: 0, count: 2)
        sums.withUnsafeMutableBufferPointer { out in
            let o = out.baseAddress!
            pool.parallelFor(2) { part in
                let lo = floats / 2 * part, hi = part == 1 ? floats : floats / 2
                var acc = InlineArray<8, SIMD16<Float>>(repeating: SIMD16())
                var i = lo
                while i + 128 <= hi {
                    for u in 0..<8 { acc[u] += UnsafeRawPointer(p + i + 16 * u).loadUnaligned(as: SIMD16<Float>.self) }
                    i += 128
                }
                var s = SIMD16<Float>()
                for u in 0..<8 { s += acc[u] }
                o[part] = s.sum()
            }
        }
        return sums[0] + sums[1]
    }

    static func copy(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, floats: Int, pool: WorkerPool) {
        pool.parallelFor(2) { part in
            let lo = floats / 2 * part, hi = part == 1 ? floats : floats / 2
            memcpy(dst + lo, src + lo, (hi - lo) * 4)
        }
    }

    @Test func decodeBandwidthAgainstReadAndMemcpy() throws {
        let inst = try AttentionDecodeInstance(shapeKey: "L=65536,h=9,kv=3,d=64", pool: pool)
        let params = inst.analyticalDefault(on: traits)
        #expect(try inst.verify(params).passed)
        var random = SplitMix64(seed: 3)
        let floats = 64 << 20   // 256 MiB
        let src = OperandBuffer(count: floats, random: &random), dst = OperandBuffer(count: floats, random: &random, fill: false)
        let kvFloats = inst.k.count + inst.v.count
        var sink: Float = 0
        let t = try interleaved([
            { try inst.run(params) },
            { sink += Self.read(src.pointer, floats: floats, pool: pool) },
            { Self.copy(src.pointer, dst.pointer, floats: kvFloats, pool: pool) },
        ])
        let ours = inst.bytes / t[0] * 1e-9, read = Double(floats * 4) / t[1] * 1e-9, copy = Double(kvFloats * 8) / t[2] * 1e-9
        print("MEASURE decode L=65536,h=9,kv=3,d=64 (KV \((kvFloats * 4) >> 20) MiB) \(params): \(ours) GB/s; read \(read) GB/s; memcpy (r+w) \(copy) GB/s; ratio vs read \(ours / read); vs memcpy \(ours / copy) sink=\(sink)")
        for chunk in [256, 1024, 4096] {
            var p = params
            p["chunk"] = chunk
            let u = try interleaved([{ try inst.run(p) }, { sink += Self.read(src.pointer, floats: floats, pool: pool) }], rounds: 9)
            print("MEASURE decode chunk=\(chunk): \(inst.bytes / u[0] * 1e-9) GB/s vs read \(Double(floats * 4) / u[1] * 1e-9) → \(inst.bytes / u[0] / (Double(floats * 4) / u[1]))")
        }
    }

    @Test func prefillAgainstOurMatmul() throws {
        let inst = try AttentionPrefillInstance(shapeKey: "T=2048,past=0,h=9,kv=3,d=64", pool: pool)
        let mm = try MatmulInstance(m: 2048, n: 576, k: 576, layout: .nk, pool: pool)
        let cube = try MatmulInstance(m: 1024, n: 1024, k: 1024, layout: .kn, pool: pool)
        let mp = mm.analyticalDefault(on: traits), cp = cube.analyticalDefault(on: traits)
        for variant in [["br": 128, "bc": 64], ["br": 64, "bc": 64], ["br": 64, "bc": 128], ["br": 32, "bc": 64], ["br": 128, "bc": 128]] {
            var p = inst.analyticalDefault(on: traits)
            for (k, v) in variant { p[k] = v }
            #expect(try inst.verify(p).passed)
            let t = try interleaved([{ try inst.run(p) }, { try mm.run(mp) }, { try cube.run(cp) }], rounds: 7)
            let ours = inst.flops / t[0] * 1e-9, a = mm.flops / t[1] * 1e-9, b = cube.flops / t[2] * 1e-9
            print("MEASURE prefill T=2048 d=64 \(p): \(ours) GFLOP/s; matmul 2048x576x576 \(a) (ratio \(ours / a)); 1024^3 \(b) (ratio \(ours / b))")
        }
    }

    @Test func moeLayerAgainstDenseMatmulsAndGatherAgainstMemcpy() throws {
        let inst = try ExpertGatherInstance(shapeKey: "T=128,h=512,f=256,e=64,k=6", pool: pool)
        // Dense FFN with the same FLOPs: 128 tokens through gate/up [1536×512] and down [512×1536].
        let g = try MatmulInstance(m: 128, n: 1536, k: 512, layout: .nk, pool: pool)
        let d = try MatmulInstance(m: 128, n: 512, k: 1536, layout: .nk, pool: pool)
        let gp = g.analyticalDefault(on: traits), dp = d.analyticalDefault(on: traits)
        var random = SplitMix64(seed: 9)
        let floats = 64 << 20
        let src = OperandBuffer(count: floats, random: &random)
        var sink: Float = 0
        let base = inst.analyticalDefault(on: traits)
        #expect(try inst.verify(base).passed)
        for variant in [[:], ["split": 1], ["order": 1, "chunk": 32], ["chunk": 16, "merge": 1], ["sr": 8], ["sr": 2]] as [[String: Int]] {
            var p = base
            for (k, v) in variant { p[k] = v }
            let t = try interleaved([{ try inst.run(p) }, { try g.run(gp); try g.run(gp); try d.run(dp) },
                                     { sink += Self.read(src.pointer, floats: floats, pool: pool) }], rounds: 9)
            let ours = inst.flops / t[0] * 1e-9, dense = inst.flops / t[1] * 1e-9, read = Double(floats * 4) / t[2] * 1e-9
            let roofline = inst.flops / (inst.bytes / (read * 1e9)) * 1e-9
            print("MEASURE moe \(p): \(ours) GFLOP/s, \(inst.bytes / t[0] * 1e-9) GB/s; dense same FLOPs \(dense) GFLOP/s (ratio \(ours / dense)); read \(read) GB/s → weight-streaming roofline \(roofline) GFLOP/s (ratio \(ours / roofline))")
        }
        // Data movement alone: routing + gather + combine of the MoE layer vs memcpy of the same bytes.
        let s = inst.shape
        let rows = s.rows, h = s.hidden
        let tok = UnsafeMutablePointer<Int32>.allocate(capacity: rows), pos = UnsafeMutablePointer<Int32>.allocate(capacity: rows)
        let wgt = UnsafeMutablePointer<Float>.allocate(capacity: rows)
        let off = UnsafeMutablePointer<Int32>.allocate(capacity: s.experts + 1), cur = UnsafeMutablePointer<Int32>.allocate(capacity: s.experts)
        let xs = OperandBuffer(count: rows * h, random: &random), ys = OperandBuffer(count: rows * h, random: &random)
        defer { tok.deallocate(); pos.deallocate(); wgt.deallocate(); off.deallocate(); cur.deallocate() }
        let problem = MoEProblem(x: inst.x.pointer, ids: inst.ids, weights: inst.routeWeights.pointer, gate: inst.gate.pointer,
                                 up: inst.up.pointer, down: inst.down.pointer, out: inst.out.pointer, shape: s)
        MoELayer.route(problem, tokens: tok, weights: wgt, positions: pos, offsets: off, cursor: cur)
        let t = try interleaved([
            { MoELayer.gather(problem, tokens: tok, into: xs.pointer, pool: pool, threads: 2) },
            { Self.copy(UnsafePointer(ys.pointer), xs.pointer, floats: rows * h, pool: pool) },
            { MoELayer.combine(problem, weights: wgt, positions: pos, outputs: UnsafePointer(ys.pointer), pool: pool, threads: 2) },
        ], rounds: 51)
        let moved = Double(rows * h * 8)   // gather: read + write each routed row
        let combineBytes = Double(rows * h * 4 + s.tokens * h * 8)
        print("MEASURE moe gather \(moved / t[0] * 1e-9) GB/s, memcpy same bytes \(moved / t[1] * 1e-9) GB/s (ratio \(t[1] / t[0])); combine \(combineBytes / t[2] * 1e-9) GB/s (ratio vs memcpy \(combineBytes / t[2] / (moved / t[1]))) sink=\(sink)")
    }
}
