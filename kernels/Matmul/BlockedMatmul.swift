/// The GotoBLAS/BLIS blocked algorithm, specialized for one register tile.
///
/// Loop nest (outside in): jc over N by NC, pc over K by KC (pack B̃ = B[pc, jc] into KC×NC panels),
/// ic over M by MC (pack Ã = A[ic, pc] into MC×KC panels), jr over NC by NR, ir over MC by MR
/// (micro-kernel). Threads split one loop (`split` 0: N, 1: M) into disjoint, synchronization-free parts,
/// each with its own packing buffers from the pool's scratch arena.
enum BlockedMatmul<V: SIMD, let MR: Int, let NV: Int> where V.Scalar == Float {
    typealias Tile = RegisterTile<V, MR, NV>

    static func run(_ p: MatmulProblem, _ params: MatmulParams, _ pool: WorkerPool) {
        let nr = Tile.nr
        let mc = params.mc, kc = min(params.kc, p.k), nc = params.nc
        // Never more parts than the split loop has tiles.
        let splitTiles = params.split == 0 ? (p.n + nr - 1) / nr : (p.m + MR - 1) / MR
        let parts = max(1, min(params.threads, pool.threadCount, splitTiles))
        // Per part: Ã (mc×kc) and B̃ (kc×nc), each rounded to whole pages; the effective nc/mc for a part
        // never exceeds the part's own extent.
        let aFloats = roundToPage(min(mc, roundUp(p.m, MR)) * kc)
        let bFloats = roundToPage(kc * min(nc, roundUp(p.n, nr)))
        let perPart = aFloats + bFloats
        pool.scratch.withScratch(bytes: perPart * parts * 4) { raw in
            let base = raw.assumingMemoryBound(to: Float.self)
            let body = { (part: Int) in
                let aPack = base + part * perPart
                let bPack = aPack + aFloats
                if params.split == 0 {
                    let cols = Matmul.chunk(part, of: parts, total: p.n, quantum: nr)
                    serial(p, rows: 0..<p.m, cols: cols, mc: mc, kc: kc, nc: nc, aPack: aPack, bPack: bPack)
                } else {
                    let rows = Matmul.chunk(part, of: parts, total: p.m, quantum: MR)
                    serial(p, rows: rows, cols: 0..<p.n, mc: mc, kc: kc, nc: nc, aPack: aPack, bPack: bPack)
                }
            }
            if parts == 1 { body(0) } else { pool.parallelFor(parts, body) }
        }
    }

    @inline(__always) static func roundUp(_ x: Int, _ q: Int) -> Int { (x + q - 1) / q * q }
    @inline(__always) static func roundToPage(_ floats: Int) -> Int { roundUp(max(floats, 1), 1024) }

    /// One thread's share: C[rows, cols] (+)= A[rows, :] · B[:, cols].
    static func serial(_ p: MatmulProblem, rows: Range<Int>, cols: Range<Int>, mc: Int, kc: Int, nc: Int,
                       aPack: UnsafeMutablePointer<Float>, bPack: UnsafeMutablePointer<Float>) {
        guard !rows.isEmpty, !cols.isEmpty else { return }
        let nr = Tile.nr
        var jc = cols.lowerBound
        while jc < cols.upperBound {
            let nb = min(nc, cols.upperBound - jc)
            var pc = 0
            while pc < p.k {
                let kb = min(kc, p.k - pc)
                packB(p, k0: pc, kb: kb, n0: jc, nb: nb, into: bPack)
                let load = pc > 0 || p.accumulate
                var ic = rows.lowerBound
                while ic < rows.upperBound {
                    let mb = min(mc, rows.upperBound - ic)
                    packA(p, m0: ic, mb: mb, k0: pc, kb: kb, into: aPack)
                    var jr = 0
                    while jr < nb {
                        let bPanel = UnsafePointer(bPack + jr * kb)
                        let cols = min(nr, nb - jr)
                        var ir = 0
                        while ir < mb {
                            Tile.compute(kc: kb, a: UnsafePointer(aPack + ir * kb), b: bPanel,
                                         c: p.c + (ic + ir) * p.ldc + jc + jr, ldc: p.ldc, load: load,
                                         rows: min(MR, mb - ir), cols: cols)
                            ir += MR
                        }
                        jr += nr
                    }
                    ic += mc
                }
                pc += kb
            }
            jc += nb
        }
    }
}
