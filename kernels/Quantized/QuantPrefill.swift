#if arch(x86_64)
import CX86
#endif

/// The prefill path (many activation rows): the GotoBLAS/BLIS blocked matmul with the B̃ panels
/// filled by dequantizing the weight blocks instead of copying FP32 — the FP32 micro-kernels of
/// `RegisterTile` then run unchanged. Per thread, one NC×KC block of weights exists as FP32 at a time
/// (in the packed panel), never the whole matrix; each weight is dequantized once per call.
///
/// Loop nest per thread (threads split N): jc by NC, pc by KC (KC a multiple of 256, so blocks never
/// straddle a K block), for each NR-row panel: dequantize NR rows × KC into a small row-major buffer,
/// pack it (8×8 register transposes); then ic by MC: pack Ã, run the macro-kernel.
enum QuantPrefill<V: SIMD, let MR: Int, let NV: Int> where V.Scalar == Float {
    typealias Blocked = BlockedMatmul<V, MR, NV>

    static func run(m: Int, x: UnsafePointer<Float>, ldx: Int, output o: QuantMatmulOutput,
                    params: QuantMatmulParams, pool: WorkerPool, fast: Bool) {
        let nr = NV * V.scalarCount
        let n = o.weights.rows, k = o.weights.cols
        let kc = min(params.kc, k), mc = params.mc, nc = params.nc
        let parts = max(1, min(params.threads, pool.threadCount, (n + nr - 1) / nr))
        let aFloats = page(min(mc, roundUp(m, MR)) * kc + 16)
        let bFloats = page(kc * min(nc, roundUp(n, nr)))
        let tFloats = page(nr * kc)
        let perPart = aFloats + bFloats + tFloats
        pool.scratch.withScratch(bytes: perPart * parts * 4) { raw in
            let base = raw.assumingMemoryBound(to: Float.self)
            let body = { (part: Int) in
                let aPack = base + part * perPart, bPack = aPack + aFloats, tmp = bPack + bFloats
                let cols = Matmul.chunk(part, of: parts, total: n, quantum: nr)
                serial(m: m, x: x, ldx: ldx, o: o, cols: cols, mc: mc, kc: kc, nc: nc,
                       aPack: aPack, bPack: bPack, tmp: tmp, fast: fast)
            }
            if parts == 1 { body(0) } else { pool.parallelFor(parts, threads: parts) { part, _ in body(part) } }
        }
    }

    static func serial(m: Int, x: UnsafePointer<Float>, ldx: Int, o: QuantMatmulOutput, cols: Range<Int>,
                       mc: Int, kc: Int, nc: Int, aPack: UnsafeMutablePointer<Float>,
                       bPack: UnsafeMutablePointer<Float>, tmp: UnsafeMutablePointer<Float>, fast: Bool) {
        guard !cols.isEmpty else { return }
        let nr = NV * V.scalarCount
        let w = o.weights, k = w.cols
        var jc = cols.lowerBound
        while jc < cols.upperBound {
            let nb = min(nc, cols.upperBound - jc)
            var pc = 0
            while pc < k {
                let kb = min(kc, k - pc)
                // B̃: one NR panel at a time, dequantized then packed.
                var jr = 0
                while jr < nb {
                    let panelCols = min(nr, nb - jr)
                    for r in 0..<panelCols {
                        QuantDequantize.range(w, row: jc + jr + r, from: pc, count: kb, into: tmp + r * kb, fast: fast)
                    }
                    let panel = MatmulProblem(m: m, n: panelCols, k: kb, a: x, lda: ldx, b: UnsafePointer(tmp), ldb: kb,
                                              layout: .nk, c: o.y, ldc: o.ldy, accumulate: false)
                    Blocked.packB(panel, k0: 0, kb: kb, n0: 0, nb: panelCols, into: bPack + jr * kb)
                    jr += nr
                }
                let problem = MatmulProblem(m: m, n: w.rows, k: k, a: x, lda: ldx, b: UnsafePointer(tmp), ldb: kb,
                                            layout: .nk, c: o.y, ldc: o.ldy, accumulate: false)
                var ic = 0
                while ic < m {
                    let mb = min(mc, m - ic)
                    Blocked.packA(problem, m0: ic, mb: mb, k0: pc, kb: kb, into: aPack)
                    Blocked.macroKernel(problem, ic: ic, mb: mb, jc: jc, nb: nb, kb: kb, aPack: aPack, bPack: bPack,
                                        load: pc > 0)
                    ic += mc
                }
                pc += kb
            }
            jc += nb
        }
    }

    @inline(__always) static func roundUp(_ x: Int, _ q: Int) -> Int { (x + q - 1) / q * q }
    @inline(__always) static func page(_ floats: Int) -> Int { roundUp(max(floats, 1), 1024) }
}

/// Dequantization of a row segment into FP32 (the prefill panels).
enum QuantDequantize {
    /// Values from ..< from+count of row `row` into `dst`. `from` is a multiple of the format's block.
    /// `fast`: the AVX-512 register dequantizers for whole 64-value chunks (the CPU has been checked).
    @inline(__always)
    static func range(_ w: QuantizedMatrix, row: Int, from: Int, count: Int, into dst: UnsafeMutablePointer<Float>, fast: Bool) {
        let rowPtr = w.data + row * w.rowBytes
        var done = 0
        #if arch(x86_64)
        if fast && from % 64 == 0 {
            switch w.format {
            case .q8_0: done = chunks(Q8_0Kernel.self, rowPtr, from, count, dst)
            case .q4_0: done = chunks(Q4_0Kernel.self, rowPtr, from, count, dst)
            case .q4_1: done = chunks(Q4_1Kernel.self, rowPtr, from, count, dst)
            case .q5_0: done = chunks(Q5_0Kernel.self, rowPtr, from, count, dst)
            case .q4_K: done = chunks(Q4_KKernel.self, rowPtr, from, count, dst)
            case .q6_K: done = chunks(Q6_KKernel.self, rowPtr, from, count, dst)
            case .f16: done = chunks(F16Kernel.self, rowPtr, from, count, dst)
            case .bf16: done = chunks(BF16Kernel.self, rowPtr, from, count, dst)
            }
        }
        #endif
        if done < count {
            let f = w.format
            let start = from + done
            QuantReference.dequantize(f, rowPtr + start / f.blockElements * f.blockBytes, count: count - done, into: dst + done)
        }
    }

    #if arch(x86_64)
    @inline(__always)
    static func chunks<F: QuantKernelFormat>(_: F.Type, _ row: UnsafeRawPointer, _ from: Int, _ count: Int,
                                             _ dst: UnsafeMutablePointer<Float>) -> Int {
        let c0 = from / 64, c1 = (from + count) / 64
        var c = c0
        while c < c1 {
            let v = F.floatChunk(row, c)
            let out = UnsafeMutableRawPointer(dst + (c - c0) * 64)
            for q in 0..<4 { (out + 64 * q).storeBytes(of: v[q], as: SIMD16<Float>.self) }
            c += 1
        }
        return (c1 - c0) * 64
    }
    #endif
}
