/// A register-tiled micro-kernel: C[MR × NR] (+)= Ã[MR × kc] · B̃[kc × NR] on packed panels, with the
/// MR × NV accumulators (NR = NV · lanes) held in SIMD registers.
///
/// Generic over the vector type `V` (SIMD4/8/16<Float>) and the tile's integer shape, so each registered
/// combination is specialized at compile time into straight-line FMA code: with `-target-cpu native` on
/// AVX-512 the 8×32 tile's loop body is 2 `vmovups` + 8 `vbroadcastss` + 16 `vfmadd231ps zmm`, no calls,
/// no spills (checked with objdump, see the kernels report). Packed-panel format (BLIS):
/// Ã holds, for each k, MR consecutive values of one column of A; B̃ holds, for each k, NR consecutive
/// values of one row of B; panels are zero-padded to full tiles.
public enum RegisterTile<V: SIMD, let MR: Int, let NV: Int> where V.Scalar == Float {
    public static var mr: Int { MR }
    public static var nr: Int { NV * V.scalarCount }

    /// Computes one tile. `rows` ≤ MR and `cols` ≤ NR say how much of the tile lies inside C (edges);
    /// `load` adds the tile to C's current contents instead of overwriting them.
    @inline(__always)
    static func compute(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                        c: UnsafeMutablePointer<Float>, ldc: Int, load: Bool, rows: Int, cols: Int) {
        if rows == MR && cols == NV * V.scalarCount {
            full(kc: kc, a: a, b: b, c: c, ldc: ldc, load: load)
            return
        }
        let nr = NV * V.scalarCount
        withUnsafeTemporaryAllocation(of: Float.self, capacity: MR * NV * V.scalarCount) { tmp in
            guard let t = tmp.baseAddress else { return }
            full(kc: kc, a: a, b: b, c: t, ldc: nr, load: false)
            for i in 0..<rows {
                let src = t + i * nr, dst = c + i * ldc
                if load {
                    for j in 0..<cols { dst[j] += src[j] }
                } else {
                    for j in 0..<cols { dst[j] = src[j] }
                }
            }
        }
    }

    @inline(__always)
    static func full(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                     c: UnsafeMutablePointer<Float>, ldc: Int, load: Bool) {
        let lanes = V.scalarCount
        let nr = NV * lanes
        // C's tile is read after the k loop; when C is larger than the caches, a load there would stall
        // for DRAM latency at the end of every tile. Prefetch its lines now, kc iterations ahead.
        for i in 0..<MR {
            let row = UnsafeRawPointer(c + i * ldc)
            for line in stride(from: 0, to: nr * 4, by: 64) { prefetch(row + line) }
        }
        var acc = InlineArray<MR, InlineArray<NV, V>>(repeating: InlineArray<NV, V>(repeating: V()))
        var pa = a, pb = b
        @inline(__always) func step(_ pa: UnsafePointer<Float>, _ pb: UnsafePointer<Float>) {
            var bv = InlineArray<NV, V>(repeating: V())
            for j in 0..<NV { bv[j] = UnsafeRawPointer(pb + j * lanes).loadUnaligned(as: V.self) }
            for i in 0..<MR {
                let av = V(repeating: pa[i])
                for j in 0..<NV { acc[i][j] = acc[i][j].addingProduct(av, bv[j]) }
            }
        }
        // Two k steps per iteration: half the loop overhead, more room for the scheduler.
        var left = kc
        while left >= 2 {
            step(pa, pb)
            step(pa + MR, pb + nr)
            pa += 2 * MR
            pb += 2 * nr
            left -= 2
        }
        if left == 1 { step(pa, pb) }
        for i in 0..<MR {
            for j in 0..<NV {
                let p = UnsafeMutableRawPointer(c + i * ldc + j * lanes)
                var v = acc[i][j]
                if load { v += p.loadUnaligned(as: V.self) }
                p.storeBytes(of: v, as: V.self)
            }
        }
    }
}
