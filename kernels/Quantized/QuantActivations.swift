#if arch(x86_64)
import CX86

/// Activations quantized for the integer kernels: each row of K values is cut into 64-value chunks
/// (zero-padded at the end), each chunk into two 32-value blocks quantized like Q8_0 (d = max|x|/127,
/// q = round-to-nearest-even(x/d)). A chunk occupies `chunkBytes` = 192 bytes:
/// int8 q[64] | Float da[16] (per 32-bit lane: its block's d) | Float sa[16] (per lane: d·Σ of its 4 q).
/// `sa` carries the offset term of the weight formats (x·(u·dw + cw) summed = dw·da·Σu·q + cw·sa).
///
/// Error: |x − d·q| ≤ d/2 = max|x|/254 per value of the block.
struct QuantActivations {
    static let chunkBytes = 192
    let base: UnsafeMutableRawPointer
    let chunks: Int

    @inline(__always) func chunk(row: Int, _ c: Int) -> UnsafeRawPointer {
        UnsafeRawPointer(base + (row * chunks + c) * Self.chunkBytes)
    }

    static func bytes(m: Int, k: Int) -> Int { m * ((k + 63) / 64) * chunkBytes }

    /// Quantizes rows 0 ..< m of x (leading dimension ldx, K values per row) into `base`.
    static func quantize(m: Int, k: Int, x: UnsafePointer<Float>, ldx: Int, into base: UnsafeMutableRawPointer) -> QuantActivations {
        let chunks = (k + 63) / 64
        let act = QuantActivations(base: base, chunks: chunks)
        let ones = splatBytes(1)
        for r in 0..<m {
            let row = x + r * ldx
            for c in 0..<chunks {
                let dst = base + (r * chunks + c) * chunkBytes
                var da = InlineArray<2, Float>(repeating: 0)
                for b in 0..<2 {
                    let k0 = 64 * c + 32 * b
                    var v0 = SIMD16<Float>(), v1 = SIMD16<Float>()
                    if k0 + 32 <= k {
                        v0 = fload(row + k0); v1 = fload(row + k0 + 16)
                    } else {
                        for i in 0..<16 where k0 + i < k { v0[i] = row[k0 + i] }
                        for i in 0..<16 where k0 + 16 + i < k { v1[i] = row[k0 + 16 + i] }
                    }
                    let amax = max(_mm512_reduce_max_ps(_mm512_abs_ps(v0)), _mm512_reduce_max_ps(_mm512_abs_ps(v1)))
                    let d = amax / 127
                    let id = d > 0 ? 1 / d : 0
                    let q0 = _mm512_cvtsepi32_epi8(_mm512_cvtps_epi32(v0 * id))
                    let q1 = _mm512_cvtsepi32_epi8(_mm512_cvtps_epi32(v1 * id))
                    (dst + 32 * b).storeBytes(of: q0, as: __m128i.self)
                    (dst + 32 * b + 16).storeBytes(of: q1, as: __m128i.self)
                    da[b] = d
                }
                let daVec = halves(da[0], da[1])
                let sums = toFloat(dpbusd(_mm512_setzero_si512(), ones, zload(dst)))
                (dst + 64).storeBytes(of: daVec, as: SIMD16<Float>.self)
                (dst + 128).storeBytes(of: sums * daVec, as: SIMD16<Float>.self)
            }
        }
        return act
    }
}
#endif
