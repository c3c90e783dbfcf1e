/// Packing of A and B blocks into the contiguous, zero-padded panels the micro-kernel streams.
extension BlockedMatmul {
    /// Packs A[m0 ..< m0+mb, k0 ..< k0+kb] into MR-row panels: panel r holds, for each k, the MR values
    /// A[m0 + r·MR + i, k] (i < MR) contiguously; rows past `mb` are zero.
    @inline(__always)
    static func packA(_ p: MatmulProblem, m0: Int, mb: Int, k0: Int, kb: Int, into dst: UnsafeMutablePointer<Float>) {
        var ir = 0
        while ir < mb {
            let rows = min(MR, mb - ir)
            let panel = dst + ir * kb
            let src = p.a + (m0 + ir) * p.lda + k0
            if rows == MR {
                packFullA(src: src, lda: p.lda, kb: kb, panel: panel)
            } else {
                for q in 0..<kb {
                    for i in 0..<MR { panel[q * MR + i] = i < rows ? src[i * p.lda + q] : 0 }
                }
            }
            ir += MR
        }
    }

    /// A full MR-row panel: groups of 8 rows × 8 columns are transposed in registers (each column of
    /// the group is 8 consecutive panel values); rows beyond the last group of 8 and the K tail are copied
    /// one by one.
    @inline(__always)
    static func packFullA(src: UnsafePointer<Float>, lda: Int, kb: Int, panel: UnsafeMutablePointer<Float>) {
        let groups = MR / 8
        var q = 0
        while q + 8 <= kb {
            for g in 0..<groups {
                transpose8x8(src + g * 8 * lda + q, lda, panel + q * MR + g * 8, MR)
            }
            for i in (groups * 8)..<MR {
                let row = src + i * lda + q
                for l in 0..<8 { panel[(q + l) * MR + i] = row[l] }
            }
            q += 8
        }
        while q < kb {
            for i in 0..<MR { panel[q * MR + i] = src[i * lda + q] }
            q += 1
        }
    }

    /// Packs B[k0 ..< k0+kb, n0 ..< n0+nb] (either layout) into NR-column panels: panel j holds, for each
    /// k, the NR values B[k, n0 + j·NR + c] contiguously; columns past `nb` are zero.
    @inline(__always)
    static func packB(_ p: MatmulProblem, k0: Int, kb: Int, n0: Int, nb: Int, into dst: UnsafeMutablePointer<Float>) {
        let lanes = V.scalarCount
        let nr = NV * lanes
        var jr = 0
        while jr < nb {
            let cols = min(nr, nb - jr)
            let panel = dst + jr * kb
            switch p.layout {
            case .kn:
                var src = p.b + k0 * p.ldb + n0 + jr
                if cols == nr {
                    for q in 0..<kb {
                        for v in 0..<NV {
                            let x = UnsafeRawPointer(src + v * lanes).loadUnaligned(as: V.self)
                            UnsafeMutableRawPointer(panel + q * nr + v * lanes).storeBytes(of: x, as: V.self)
                        }
                        src += p.ldb
                    }
                } else {
                    for q in 0..<kb {
                        for c in 0..<nr { panel[q * nr + c] = c < cols ? src[c] : 0 }
                        src += p.ldb
                    }
                }
            case .nk:
                // Column c of the panel is row (n0 + jr + c) of the [N×K] weight: contiguous along k.
                let src = p.b + (n0 + jr) * p.ldb + k0
                var q = 0
                if cols == nr {
                    // 8 weight rows × 8 k at a time, transposed in registers.
                    while q + 8 <= kb {
                        for c in stride(from: 0, to: nr, by: 8) {
                            transpose8x8(src + c * p.ldb + q, p.ldb, panel + q * nr + c, nr)
                        }
                        q += 8
                    }
                }
                while q < kb {
                    for c in 0..<nr { panel[q * nr + c] = c < cols ? src[c * p.ldb + q] : 0 }
                    q += 1
                }
            }
            jr += nr
        }
    }
}
