/// The GotoBLAS/BLIS blocked algorithm, specialized for one register tile.
///
/// Loop nest (outside in): jc over N by NC, pc over K by KC (pack B̃ = B[pc, jc] into KC×NC panels),
/// ic over M by MC (pack Ã = A[ic, pc] into MC×KC panels), jr over NC by NR, ir over MC by MR
/// (micro-kernel). Threads split one loop: `split` 0 gives each thread its own range of N (independent,
/// each with its own Ã and B̃); `split` 1 is BLIS's ic loop (threads pack a shared B̃ together, then
/// each computes its own rows); `split` 2 divides N like 0 but into 4 chunks per thread that threads
/// claim as they finish (packing buffers per thread, not per chunk), so on a hybrid machine a slower
/// E-core takes fewer chunks instead of holding the P-cores back. Packing buffers come from the pool's
/// scratch arena.
enum BlockedMatmul<V: SIMD, let MR: Int, let NV: Int> where V.Scalar == Float {
    typealias Tile = RegisterTile<V, MR, NV>

    static func run(_ p: MatmulProblem, _ params: MatmulParams, _ pool: WorkerPool) {
        let nr = Tile.nr
        let mc = params.mc, kc = min(params.kc, p.k), nc = params.nc
        // Never more parts than the split loop has tiles.
        let splitTiles = params.split == 1 ? (p.m + MR - 1) / MR : (p.n + nr - 1) / nr
        let parts = max(1, min(params.threads, pool.threadCount, splitTiles))
        // Ã (mc×kc) per part and B̃ (kc×nc) per part (split 0) or shared (split 1), in whole pages; the
        // effective blocks never exceed the matrix.
        let aFloats = roundToPage(min(mc, roundUp(p.m, MR)) * kc + 16)   // +16: packA's overlapping stores
        let bFloats = roundToPage(kc * min(nc, roundUp(p.n, nr)))
        if params.split == 1 && parts > 1 {
            pool.scratch.withScratch(bytes: (bFloats + aFloats * pool.threadCount) * 4) { raw in
                let bPack = raw.assumingMemoryBound(to: Float.self)
                sharedB(p, threads: parts, mc: mc, kc: kc, nc: nc, bPack: bPack, aPacks: bPack + bFloats,
                        aFloats: aFloats, pool: pool)
            }
            return
        }
        let perPart = aFloats + bFloats
        if params.split == 2 && parts > 1 {
            // Dynamic chunks: 4 per thread (never more than the N tiles), buffers indexed by worker.
            let chunks = min(splitTiles, 4 * parts)
            pool.scratch.withScratch(bytes: perPart * parts * 4) { raw in
                let base = raw.assumingMemoryBound(to: Float.self)
                pool.parallelFor(chunks, threads: parts) { chunk, worker in
                    let aPack = base + worker * perPart
                    let cols = Matmul.chunk(chunk, of: chunks, total: p.n, quantum: nr)
                    serial(p, rows: 0..<p.m, cols: cols, mc: mc, kc: kc, nc: nc, aPack: aPack, bPack: aPack + aFloats)
                }
            }
            return
        }
        pool.scratch.withScratch(bytes: perPart * parts * 4) { raw in
            let base = raw.assumingMemoryBound(to: Float.self)
            let body = { (part: Int) in
                let aPack = base + part * perPart
                let bPack = aPack + aFloats
                let cols = Matmul.chunk(part, of: parts, total: p.n, quantum: nr)
                serial(p, rows: 0..<p.m, cols: cols, mc: mc, kc: kc, nc: nc, aPack: aPack, bPack: bPack)
            }
            if parts == 1 { body(0) } else { pool.parallelFor(parts, threads: parts) { part, _ in body(part) } }
        }
    }

    /// Split 1 (BLIS's ic loop): for each (jc, pc) block the threads first pack B̃ together (groups of
    /// NR panels), then compute C's rows in blocks of at most MC against the shared B̃, each thread with
    /// its own Ã. B is packed once in total, the B̃ block is shared in L3, and both phases hand out more
    /// tasks than threads, so a thread preempted by a neighbour's process does not stall the other.
    static func sharedB(_ p: MatmulProblem, threads: Int, mc: Int, kc: Int, nc: Int,
                        bPack: UnsafeMutablePointer<Float>, aPacks: UnsafeMutablePointer<Float>, aFloats: Int,
                        pool: WorkerPool) {
        let nr = Tile.nr
        // Row blocks: MC rows, smaller (a multiple of MR) when that gives fewer than 2 tasks per thread.
        let mTiles = (p.m + MR - 1) / MR
        let rowBlock = min(mc, max(1, mTiles / (2 * threads)) * MR)
        let rowTasks = (p.m + rowBlock - 1) / rowBlock
        var jc = 0
        while jc < p.n {
            let nb = min(nc, p.n - jc)
            let panels = (nb + nr - 1) / nr
            let packTasks = min(panels, 4 * threads)
            var pc = 0
            while pc < p.k {
                let kb = min(kc, p.k - pc)
                let load = pc > 0 || p.accumulate
                pool.parallelFor(packTasks, threads: threads) { t, _ in
                    let r = Matmul.chunk(t, of: packTasks, total: panels, quantum: 1)
                    guard !r.isEmpty else { return }
                    let first = r.lowerBound * nr
                    packB(p, k0: pc, kb: kb, n0: jc + first, nb: min(nb, r.upperBound * nr) - first,
                          into: bPack + first * kb)
                }
                pool.parallelFor(rowTasks, threads: threads) { t, worker in
                    let ic = t * rowBlock
                    let mb = min(rowBlock, p.m - ic)
                    let aPack = aPacks + worker * aFloats
                    packA(p, m0: ic, mb: mb, k0: pc, kb: kb, into: aPack)
                    macroKernel(p, ic: ic, mb: mb, jc: jc, nb: nb, kb: kb, aPack: aPack, bPack: bPack, load: load)
                }
                pc += kb
            }
            jc += nb
        }
    }

    /// The two innermost loops: every MR×NR tile of C[ic ..< ic+mb, jc ..< jc+nb] from packed Ã and B̃.
    @inline(__always)
    static func macroKernel(_ p: MatmulProblem, ic: Int, mb: Int, jc: Int, nb: Int, kb: Int,
                            aPack: UnsafeMutablePointer<Float>, bPack: UnsafeMutablePointer<Float>, load: Bool) {
        let nr = Tile.nr
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
    }

    @inline(__always) static func roundUp(_ x: Int, _ q: Int) -> Int { (x + q - 1) / q * q }
    @inline(__always) static func roundToPage(_ floats: Int) -> Int { roundUp(max(floats, 1), 1024) }

    /// One thread's share: C[rows, cols] (+)= A[rows, :] · B[:, cols].
    static func serial(_ p: MatmulProblem, rows: Range<Int>, cols: Range<Int>, mc: Int, kc: Int, nc: Int,
                       aPack: UnsafeMutablePointer<Float>, bPack: UnsafeMutablePointer<Float>) {
        guard !rows.isEmpty, !cols.isEmpty else { return }
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
                    macroKernel(p, ic: ic, mb: mb, jc: jc, nb: nb, kb: kb, aPack: aPack, bPack: bPack, load: load)
                    ic += mc
                }
                pc += kb
            }
            jc += nb
        }
    }
}
