/// The decode-shape path (M ≤ 16): bandwidth-bound, so it streams B exactly once with no packing and
/// keeps all M rows of A (a few KiB, cache-resident) against each piece of B loaded.
///
/// `.nk` (Linear weights): every output is a dot product of a row of A with a contiguous weight row; a
/// task owns `sn` consecutive weight rows, processes `su` of them per step against `sr` rows of A at a
/// time with `sr·su` vector accumulators, then reduces horizontally. `.kn`: a task owns a strip of
/// columns; `sr` rows × `su` vectors of accumulators run down K. Threads split N (tasks of `sn` columns),
/// so every weight row is read by exactly one task: no second pass over the weights. With `.nk` and
/// M ≥ 2, A is first packed by K vector into scratch (M·K floats, a few KiB per row) — see `SkinnyRows`.
enum SkinnyMatmul {
    static func run(_ p: MatmulProblem, _ params: MatmulParams, _ pool: WorkerPool) {
        switch params.lanes {
        case 16: withWidth(SIMD16<Float>.self, p, params, pool)
        case 8: withWidth(SIMD8<Float>.self, p, params, pool)
        default: withWidth(SIMD4<Float>.self, p, params, pool)
        }
    }

    static func withWidth<V: SIMD>(_: V.Type, _ p: MatmulProblem, _ params: MatmulParams, _ pool: WorkerPool)
    where V.Scalar == Float {
        switch (params.sr, params.su) {
        case (1, 1): SkinnyTile<V, 1, 1>.run(p, params, pool)
        case (1, 2): SkinnyTile<V, 1, 2>.run(p, params, pool)
        case (1, 4): SkinnyTile<V, 1, 4>.run(p, params, pool)
        case (1, 8): SkinnyTile<V, 1, 8>.run(p, params, pool)
        case (2, 1): SkinnyTile<V, 2, 1>.run(p, params, pool)
        case (2, 2): SkinnyTile<V, 2, 2>.run(p, params, pool)
        case (2, 4): SkinnyTile<V, 2, 4>.run(p, params, pool)
        case (2, 8): SkinnyTile<V, 2, 8>.run(p, params, pool)
        case (4, 1): SkinnyTile<V, 4, 1>.run(p, params, pool)
        case (4, 2): SkinnyTile<V, 4, 2>.run(p, params, pool)
        case (4, 4): SkinnyTile<V, 4, 4>.run(p, params, pool)
        case (8, 1): SkinnyTile<V, 8, 1>.run(p, params, pool)
        case (8, 2): SkinnyTile<V, 8, 2>.run(p, params, pool)
        default: SkinnyTile<V, 8, 4>.run(p, params, pool)
        }
    }
}

/// Where a row group's A vectors come from: `base` + r·`row` + v·`step` for row r of the group and
/// vector v of the K chunk. Unpacked: A itself (row = lda, step = lanes). Packed (`.nk`, M ≥ 2): A
/// interleaved by K vector, all M rows of one vector adjacent (row = lanes, step = M·lanes), so the
/// group's loads walk one contiguous buffer instead of R streams a power-of-two lda apart, which
/// alias in the L1 sets with each other and with the weight rows (measured: M = 16, K = 4096 ran at
/// ~25 GFLOP/s, every load an L1 miss).
struct SkinnyRows {
    var base: UnsafePointer<Float>, row: Int, step: Int
}

/// The rows of the next weight tile one row group prefetches (`pn`): `count` rows `stride` bytes apart
/// from `base` (at the group's current K offset), into L1 (`level` 2) or L2 (1).
struct NextTile {
    var base: UnsafeRawPointer, count: Int, stride: Int, level: Int
}

/// One skinny register shape: R rows of A × U weight rows (`.nk`) or U column vectors (`.kn`).
///
/// `.nk`: K is processed in chunks of `sk` (0: all of K) inside each group of U weight rows when M > R
/// (see `nkRows`). `.kn`: in chunks of `sk` so that the chunk of A (M × sk) stays in L1 while a task's
/// weights stream past it once; partial sums are added into C per chunk.
enum SkinnyTile<V: SIMD, let R: Int, let U: Int> where V.Scalar == Float {
    static func run(_ p: MatmulProblem, _ params: MatmulParams, _ pool: WorkerPool) {
        let lanes = V.scalarCount
        let vectors = p.k / lanes
        guard p.layout == .nk && p.m >= 2 && vectors >= 1 else { drive(p, params, pool, packed: nil); return }
        pool.scratch.withScratch(bytes: vectors * p.m * lanes * 4) { raw in
            let ap = raw.assumingMemoryBound(to: Float.self)
            for v in 0..<vectors {
                for r in 0..<p.m {
                    UnsafeMutableRawPointer(ap + (v * p.m + r) * lanes)
                        .storeBytes(of: UnsafeRawPointer(p.a + r * p.lda + v * lanes).loadUnaligned(as: V.self), as: V.self)
                }
            }
            drive(p, params, pool, packed: UnsafePointer(ap))
        }
    }

    static func drive(_ p: MatmulProblem, _ params: MatmulParams, _ pool: WorkerPool, packed: UnsafePointer<Float>?) {
        let lanes = V.scalarCount
        let quantum = p.layout == .nk ? U : U * lanes
        let per = max(quantum, (params.sn + quantum - 1) / quantum * quantum)
        let tasks = (p.n + per - 1) / per
        let chunk = params.sk <= 0 ? p.k : max(lanes, params.sk / lanes * lanes)
        let body = { (t: Int) in
            let lo = t * per, hi = min(p.n, lo + per)
            if p.layout == .nk {
                // K chunks inside each group of U weight rows (see `nkRows`): the rows stream once, in order.
                nkColumns(p, lo..<hi, chunk: chunk, pf: params.pf, pn: params.pn, packed: packed)
                return
            }
            var k0 = 0
            while k0 < p.k {
                let kb = min(chunk, p.k - k0)
                knColumns(p, lo..<hi, k0: k0, kb: kb, load: k0 > 0 || p.accumulate)
                k0 += kb
            }
        }
        if params.threads == 1 || tasks == 1 {
            for t in 0..<tasks { body(t) }
        } else {
            pool.parallelFor(tasks, threads: params.threads) { t, _ in body(t) }
        }
    }

    // MARK: .nk — dot products over contiguous weight rows

    @inline(__always)
    static func nkColumns(_ p: MatmulProblem, _ cols: Range<Int>, chunk: Int, pf: Int, pn: Int, packed: UnsafePointer<Float>?) {
        var n = cols.lowerBound
        while n + U <= cols.upperBound {
            nkRows(p, n: n, chunk: chunk, pf: pf, pn: pn, packed: packed)
            n += U
        }
        while n < cols.upperBound {
            SkinnyTile<V, R, 1>.nkRows(p, n: n, chunk: chunk, pf: pf, pn: pn, packed: packed)
            n += 1
        }
    }

    /// All M rows against weight rows n ..< n+U. With one row group (M ≤ R) the U rows stream once over
    /// all of K. With several, K goes in chunks of `chunk`: the first group streams the chunk of the U
    /// rows from memory and the later groups re-read that U·chunk tile from L1 (measured on M = 16, K = 4096:
    /// letting each group re-read whole 16 KiB rows from L2 ran at ~15 GFLOP/s, stalled on the weight loads).
    /// Partial sums of later chunks are added into C.
    ///
    /// Prefetch: with `pn` = 0, the first group prefetches `pf` bytes ahead in each of the U rows, so
    /// memory is busy only while the first group runs. With `pn` > 0 and several groups, the next tile
    /// (the next K chunk of these rows, or the next U rows from K = 0) is prefetched while every group
    /// runs, each group taking its share of the tile's rows, so the weight stream is spread over the
    /// whole tile's compute instead of bursting in the first group.
    @inline(__always)
    static func nkRows(_ p: MatmulProblem, n: Int, chunk: Int, pf: Int, pn: Int, packed: UnsafePointer<Float>?) {
        let lanes = V.scalarCount
        func rows(_ m0: Int, _ k0: Int) -> SkinnyRows {
            if let packed { return SkinnyRows(base: packed + (k0 / lanes * p.m + m0) * lanes, row: lanes, step: p.m * lanes) }
            return SkinnyRows(base: p.a + m0 * p.lda + k0, row: p.lda, step: lanes)
        }
        let step = p.m <= R ? p.k : chunk
        let passes = p.m / R + p.m % R
        let spread = pn > 0 && passes > 1
        var k0 = 0
        while k0 < p.k {
            let kb = min(step, p.k - k0)
            let load = k0 > 0 || p.accumulate
            // The tile after this one. (Past the matrix end a prefetch touches nothing; it never faults.)
            let next = UnsafeRawPointer(k0 + kb < p.k ? p.b + n * p.ldb + k0 + kb : p.b + (n + U) * p.ldb)
            func ahead(_ pass: Int) -> NextTile {
                guard spread && pass < U else { return NextTile(base: next, count: 0, stride: 0, level: pn) }
                return NextTile(base: next + pass * p.ldb * 4, count: (U - 1 - pass) / passes + 1,
                                stride: passes * p.ldb * 4, level: pn)
            }
            var m0 = 0, pass = 0
            while m0 + R <= p.m {
                if spread {
                    nkDotSpread(p, m0: m0, n: n, k0: k0, kb: kb, load: load, next: ahead(pass), x: rows(m0, k0))
                } else {
                    nkDot(p, m0: m0, n: n, k0: k0, kb: kb, load: load, pf: m0 == 0 ? pf : 0, x: rows(m0, k0))
                }
                m0 += R
                pass += 1
            }
            while m0 < p.m {
                if spread {
                    SkinnyTile<V, 1, U>.nkDotSpread(p, m0: m0, n: n, k0: k0, kb: kb, load: load, next: ahead(pass), x: rows(m0, k0))
                } else {
                    SkinnyTile<V, 1, U>.nkDot(p, m0: m0, n: n, k0: k0, kb: kb, load: load, pf: m0 == 0 ? pf : 0, x: rows(m0, k0))
                }
                m0 += 1
                pass += 1
            }
            k0 += kb
        }
    }

    @inline(__always)
    static func nkDot(_ p: MatmulProblem, m0: Int, n: Int, k0: Int, kb: Int, load: Bool, pf: Int, x: SkinnyRows) {
        let lanes = V.scalarCount
        var acc = InlineArray<R, InlineArray<U, V>>(repeating: InlineArray<U, V>(repeating: V()))
        let a = p.a + m0 * p.lda + k0, w = p.b + n * p.ldb + k0
        var xs = x.base
        var q = 0
        // One loop (the prefetch test is loop-invariant): two loops sharing `acc` kept it in memory.
        // With `pf`, one `prefetcht0` per step in each weight row, `pf` bytes ahead: U sequential streams
        // alone keep too few misses in flight to reach DRAM bandwidth. (Past a row's end it touches the
        // next rows, read next anyway; prefetches never fault.)
        while q + lanes <= kb {
            if pf > 0 {
                for u in 0..<U { prefetch(UnsafeRawPointer(w + u * p.ldb + q) + pf) }
            }
            var wv = InlineArray<U, V>(repeating: V())
            for u in 0..<U { wv[u] = UnsafeRawPointer(w + u * p.ldb + q).loadUnaligned(as: V.self) }
            for r in 0..<R {
                let xv = UnsafeRawPointer(xs + r * x.row).loadUnaligned(as: V.self)
                for u in 0..<U { acc[r][u] = acc[r][u].addingProduct(xv, wv[u]) }
            }
            xs += x.step
            q += lanes
        }
        for r in 0..<R {
            for u in 0..<U {
                var s = horizontalSum(acc[r][u])
                var t = q
                while t < kb { s += a[r * p.lda + t] * w[u * p.ldb + t]; t += 1 }
                let dst = p.c + (m0 + r) * p.ldc + n + u
                dst.pointee = load ? dst.pointee + s : s
            }
        }
    }

    /// `nkDot` with the next-tile prefetch (`pn`) instead of `pf`: a loop of its own, so the plain loop
    /// (every single-group and `pn` = 0 call, e.g. all M = 1 decode matmuls) stays as lean as before
    /// (measured: one loop with both tests ran 1x1536x576 about 20% slower, medians on a loaded machine).
    @inline(__always)
    static func nkDotSpread(_ p: MatmulProblem, m0: Int, n: Int, k0: Int, kb: Int, load: Bool, next: NextTile,
                      x: SkinnyRows) {
        let lanes = V.scalarCount
        var acc = InlineArray<R, InlineArray<U, V>>(repeating: InlineArray<U, V>(repeating: V()))
        let a = p.a + m0 * p.lda + k0, w = p.b + n * p.ldb + k0
        var xs = x.base
        var q = 0
        while q + lanes <= kb {
            // This group's rows of the next tile, one line per row every 16 floats.
            if next.count > 0 && q & 15 == 0 {
                var at = next.base + q * 4
                for _ in 0..<next.count {
                    if next.level == 2 { prefetch(at) } else { prefetchL2(at) }
                    at += next.stride
                }
            }
            var wv = InlineArray<U, V>(repeating: V())
            for u in 0..<U { wv[u] = UnsafeRawPointer(w + u * p.ldb + q).loadUnaligned(as: V.self) }
            for r in 0..<R {
                let xv = UnsafeRawPointer(xs + r * x.row).loadUnaligned(as: V.self)
                for u in 0..<U { acc[r][u] = acc[r][u].addingProduct(xv, wv[u]) }
            }
            xs += x.step
            q += lanes
        }
        for r in 0..<R {
            for u in 0..<U {
                var s = horizontalSum(acc[r][u])
                var t = q
                while t < kb { s += a[r * p.lda + t] * w[u * p.ldb + t]; t += 1 }
                let dst = p.c + (m0 + r) * p.ldc + n + u
                dst.pointee = load ? dst.pointee + s : s
            }
        }
    }

    // MARK: .kn — column strips down K

    @inline(__always)
    static func knColumns(_ p: MatmulProblem, _ cols: Range<Int>, k0: Int, kb: Int, load: Bool) {
        let lanes = V.scalarCount
        var n = cols.lowerBound
        while n + U * lanes <= cols.upperBound {
            knStrip(p, n: n, k0: k0, kb: kb, load: load)
            n += U * lanes
        }
        while n + lanes <= cols.upperBound {
            SkinnyTile<V, R, 1>.knStrip(p, n: n, k0: k0, kb: kb, load: load)
            n += lanes
        }
        if n < cols.upperBound { knScalar(p, cols: n..<cols.upperBound, k0: k0, kb: kb, load: load) }
    }

    @inline(__always)
    static func knStrip(_ p: MatmulProblem, n: Int, k0: Int, kb: Int, load: Bool) {
        var m0 = 0
        while m0 + R <= p.m {
            knTile(p, m0: m0, n: n, k0: k0, kb: kb, load: load)
            m0 += R
        }
        while m0 < p.m {
            SkinnyTile<V, 1, U>.knTile(p, m0: m0, n: n, k0: k0, kb: kb, load: load)
            m0 += 1
        }
    }

    @inline(__always)
    static func knTile(_ p: MatmulProblem, m0: Int, n: Int, k0: Int, kb: Int, load: Bool) {
        let lanes = V.scalarCount
        var acc = InlineArray<R, InlineArray<U, V>>(repeating: InlineArray<U, V>(repeating: V()))
        let a = p.a + m0 * p.lda + k0
        var b = p.b + k0 * p.ldb + n
        for q in 0..<kb {
            var bv = InlineArray<U, V>(repeating: V())
            for u in 0..<U { bv[u] = UnsafeRawPointer(b + u * lanes).loadUnaligned(as: V.self) }
            for r in 0..<R {
                let x = V(repeating: a[r * p.lda + q])
                for u in 0..<U { acc[r][u] = acc[r][u].addingProduct(x, bv[u]) }
            }
            b += p.ldb
        }
        for r in 0..<R {
            for u in 0..<U {
                let dst = UnsafeMutableRawPointer(p.c + (m0 + r) * p.ldc + n + u * lanes)
                var v = acc[r][u]
                if load { v += dst.loadUnaligned(as: V.self) }
                dst.storeBytes(of: v, as: V.self)
            }
        }
    }

    /// Fewer columns than one vector: plain loops.
    static func knScalar(_ p: MatmulProblem, cols: Range<Int>, k0: Int, kb: Int, load: Bool) {
        for i in 0..<p.m {
            for j in cols {
                var s: Float = 0
                for q in k0..<(k0 + kb) { s += p.a[i * p.lda + q] * p.b[q * p.ldb + j] }
                let dst = p.c + i * p.ldc + j
                dst.pointee = load ? dst.pointee + s : s
            }
        }
    }
}
