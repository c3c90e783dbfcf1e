/// The decode-shape path (M ≤ 16): bandwidth-bound, so it streams B exactly once with no packing and
/// keeps all M rows of A (a few KiB, cache-resident) against each piece of B loaded.
///
/// `.nk` (Linear weights): every output is a dot product of a row of A with a contiguous weight row; a
/// task owns `sn` consecutive weight rows, processes `su` of them per step against `sr` rows of A at a
/// time with `sr·su` vector accumulators, then reduces horizontally. `.kn`: a task owns a strip of
/// columns; `sr` rows × `su` vectors of accumulators run down K. Threads split N.
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
        case (2, 1): SkinnyTile<V, 2, 1>.run(p, params, pool)
        case (2, 2): SkinnyTile<V, 2, 2>.run(p, params, pool)
        case (2, 4): SkinnyTile<V, 2, 4>.run(p, params, pool)
        case (4, 1): SkinnyTile<V, 4, 1>.run(p, params, pool)
        case (4, 2): SkinnyTile<V, 4, 2>.run(p, params, pool)
        case (4, 4): SkinnyTile<V, 4, 4>.run(p, params, pool)
        case (8, 1): SkinnyTile<V, 8, 1>.run(p, params, pool)
        case (8, 2): SkinnyTile<V, 8, 2>.run(p, params, pool)
        default: SkinnyTile<V, 8, 4>.run(p, params, pool)
        }
    }
}

/// One skinny register shape: R rows of A × U weight rows (`.nk`) or U column vectors (`.kn`).
///
/// K is processed in chunks of `sk` (0: all of K) so that the chunk of A (M × sk) stays in L1 while a
/// task's weights stream past it once; partial sums are added into C per chunk.
enum SkinnyTile<V: SIMD, let R: Int, let U: Int> where V.Scalar == Float {
    static func run(_ p: MatmulProblem, _ params: MatmulParams, _ pool: WorkerPool) {
        let lanes = V.scalarCount
        let quantum = p.layout == .nk ? U : U * lanes
        let per = max(quantum, (params.sn + quantum - 1) / quantum * quantum)
        let tasks = (p.n + per - 1) / per
        let chunk = params.sk <= 0 ? p.k : max(lanes, params.sk / lanes * lanes)
        let body = { (t: Int) in
            let lo = t * per, hi = min(p.n, lo + per)
            var k0 = 0
            while k0 < p.k {
                let kb = min(chunk, p.k - k0)
                let load = k0 > 0 || p.accumulate
                if p.layout == .nk {
                    nkColumns(p, lo..<hi, k0: k0, kb: kb, load: load)
                } else {
                    knColumns(p, lo..<hi, k0: k0, kb: kb, load: load)
                }
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
    static func nkColumns(_ p: MatmulProblem, _ cols: Range<Int>, k0: Int, kb: Int, load: Bool) {
        var n = cols.lowerBound
        while n + U <= cols.upperBound {
            nkRows(p, n: n, k0: k0, kb: kb, load: load)
            n += U
        }
        while n < cols.upperBound {
            SkinnyTile<V, R, 1>.nkRows(p, n: n, k0: k0, kb: kb, load: load)
            n += 1
        }
    }

    /// All M rows against weight rows n ..< n+U over k0 ..< k0+kb.
    @inline(__always)
    static func nkRows(_ p: MatmulProblem, n: Int, k0: Int, kb: Int, load: Bool) {
        var m0 = 0
        while m0 + R <= p.m {
            nkDot(p, m0: m0, n: n, k0: k0, kb: kb, load: load)
            m0 += R
        }
        while m0 < p.m {
            SkinnyTile<V, 1, U>.nkDot(p, m0: m0, n: n, k0: k0, kb: kb, load: load)
            m0 += 1
        }
    }

    @inline(__always)
    static func nkDot(_ p: MatmulProblem, m0: Int, n: Int, k0: Int, kb: Int, load: Bool) {
        let lanes = V.scalarCount
        var acc = InlineArray<R, InlineArray<U, V>>(repeating: InlineArray<U, V>(repeating: V()))
        let a = p.a + m0 * p.lda + k0, w = p.b + n * p.ldb + k0
        var q = 0
        while q + lanes <= kb {
            var wv = InlineArray<U, V>(repeating: V())
            for u in 0..<U { wv[u] = UnsafeRawPointer(w + u * p.ldb + q).loadUnaligned(as: V.self) }
            for r in 0..<R {
                let x = UnsafeRawPointer(a + r * p.lda + q).loadUnaligned(as: V.self)
                for u in 0..<U { acc[r][u] = acc[r][u].addingProduct(x, wv[u]) }
            }
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
