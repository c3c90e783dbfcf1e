#if arch(x86_64)
import CX86

/// One 64-value piece of a weight row as the integer kernels consume it: 64 unsigned bytes `u` and,
/// per 32-bit lane ℓ (covering values 4ℓ ..< 4ℓ+4), a scale `dw` and an offset `cw` such that value
/// 4ℓ+i = u[4ℓ+i]·dw[ℓ] + cw[ℓ]. `vpdpbusd` multiplies `u` with the int8 activations lane by lane.
struct IntChunk {
    var u: __m512i
    var dw: SIMD16<Float>
    var cw: SIMD16<Float>
}

/// One weight block format as the AVX-512 kernels read it: how to turn 64 consecutive values of a row
/// (chunk `c`, values 64c ..< 64c+64) into registers. Specialized at compile time per format; every
/// function is a handful of loads, shifts, masks and blends with no branches on data.
protocol QuantKernelFormat {
    static var format: QuantFormat { get }
    /// Chunk `c` of `row` as FP32 values (the FP32-activation mode and the prefill panel packing).
    /// Only for chunks wholly inside the row.
    static func floatChunk(_ row: UnsafeRawPointer, _ c: Int) -> InlineArray<4, SIMD16<Float>>
    /// Address of chunk `c`'s bytes (prefetching).
    static func chunkAddress(_ row: UnsafeRawPointer, _ c: Int) -> UnsafeRawPointer
}

/// Formats whose values are small unsigned integers times a scale plus an offset (all but F16/BF16).
protocol IntQuantKernelFormat: QuantKernelFormat {
    /// Chunks that share one `prepare` (a K-quant super-block: 4; 32-value formats: 1).
    static var chunksPerPrepare: Int { get }
    /// Work shared by the chunks of one super-block (K-quants: its decoded scales and mins as FP32),
    /// for the chunk `c` that starts it.
    static func prepare(_ row: UnsafeRawPointer, _ c: Int) -> SIMD16<Float>
    /// Chunk `c` of `row` given its super-block's `prepared` value; with `half`, only its first 32
    /// values exist (a row with an odd number of 32-value blocks): nothing past them is read and the
    /// missing lanes are zero.
    static func intChunk(_ row: UnsafeRawPointer, _ c: Int, prepared: SIMD16<Float>, half: Bool) -> IntChunk
}

extension IntQuantKernelFormat {
    @inline(__always) static var chunksPerPrepare: Int { 1 }
    @inline(__always) static func prepare(_ row: UnsafeRawPointer, _ c: Int) -> SIMD16<Float> { SIMD16<Float>() }
    /// Chunk `c` on its own (prepares its super-block first).
    @inline(__always)
    static func intChunk(_ row: UnsafeRawPointer, _ c: Int, half: Bool) -> IntChunk {
        intChunk(row, c, prepared: prepare(row, c - c % chunksPerPrepare), half: half)
    }
}

// MARK: - Register helpers

@inline(__always) func zload(_ p: UnsafeRawPointer) -> __m512i { _mm512_loadu_si512(p) }
@inline(__always) func yload(_ p: UnsafeRawPointer) -> __m256i {
    _mm256_loadu_si256(p.assumingMemoryBound(to: __m256i_u.self))
}
@inline(__always) func xload(_ p: UnsafeRawPointer) -> __m128i {
    _mm_loadu_si128(p.assumingMemoryBound(to: __m128i_u.self))
}
@inline(__always) func fload(_ p: UnsafeRawPointer) -> SIMD16<Float> { p.loadUnaligned(as: SIMD16<Float>.self) }
@inline(__always) func splatBytes(_ v: UInt8) -> __m512i { _mm512_set1_epi8(CChar(bitPattern: v)) }
/// [a × 8 lanes, b × 8 lanes].
@inline(__always) func halves(_ a: Float, _ b: Float) -> SIMD16<Float> {
    _mm512_mask_blend_ps(0xFF00, SIMD16<Float>(repeating: a), SIMD16<Float>(repeating: b))
}
@inline(__always) func dpbusd(_ acc: __m512i, _ u: __m512i, _ s: __m512i) -> __m512i { _mm512_dpbusd_epi32(acc, u, s) }
@inline(__always) func toFloat(_ v: __m512i) -> SIMD16<Float> { _mm512_cvtepi32_ps(v) }
@inline(__always) func half16(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
    Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
}

/// Two blocks' 16 nibble bytes x0, x1 → [x0 & 15, x0 >> 4, x1 & 15, x1 >> 4] (32 values per block).
@inline(__always) func nibblePairs(_ x0: UnsafeRawPointer, _ x1: UnsafeRawPointer) -> __m512i {
    let y = _mm512_mask_broadcast_i32x4(_mm512_broadcast_i32x4(xload(x0)), 0xFF00, xload(x1))
    let s = _mm512_srli_epi16(y, 4)
    return _mm512_and_si512(_mm512_mask_blend_epi64(0xCC, y, s), splatBytes(0x0F))
}

/// One block's 16 nibble bytes → [x & 15, x >> 4] in the low 256 bits, zero above.
@inline(__always) func nibbleSingle(_ x0: UnsafeRawPointer) -> __m512i {
    let y = _mm512_broadcast_i32x4(xload(x0))
    let s = _mm512_srli_epi16(y, 4)
    return _mm512_maskz_and_epi64(0x0F, _mm512_mask_blend_epi64(0xCC, y, s), splatBytes(0x0F))
}

/// 32 nibble bytes q → [q & 15 (32 values), q >> 4 (32 values)].
@inline(__always) func nibbleHalves(_ q: UnsafeRawPointer) -> __m512i {
    let y = _mm512_broadcast_i64x4(yload(q))
    let s = _mm512_srli_epi16(y, 4)
    return _mm512_and_si512(_mm512_mask_blend_epi64(0xF0, y, s), splatBytes(0x0F))
}

/// Lane indices [4q + ℓ/4]: spreads the per-lane (4-value) scales of quarter q over its 16 values.
@inline(__always) func quarterIndex(_ q: Int32) -> __m512i {
    let base = SIMD16<Int32>(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3) &+ SIMD16<Int32>(repeating: 4 * q)
    return unsafeBitCast(base, to: __m512i.self)
}

extension IntQuantKernelFormat {
    /// Dequantizes in registers: value = u·dw + cw with the lane scales spread over values.
    @inline(__always)
    static func floatChunk(_ row: UnsafeRawPointer, _ c: Int) -> InlineArray<4, SIMD16<Float>> {
        let ch = intChunk(row, c, half: false)
        var out = InlineArray<4, SIMD16<Float>>(repeating: SIMD16<Float>())
        for q in 0..<4 {
            let sel = _mm512_set_epi64(0, 0, 0, 0, 0, 0, Int64(2 * q + 1), Int64(2 * q))
            let b = _mm512_castsi512_si128(_mm512_permutexvar_epi64(sel, ch.u))
            let f = toFloat(_mm512_cvtepu8_epi32(b))
            let idx = quarterIndex(Int32(q))
            out[q] = f * _mm512_permutexvar_ps(idx, ch.dw) + _mm512_permutexvar_ps(idx, ch.cw)
        }
        return out
    }
}

// MARK: - 32-value block formats (a chunk is two blocks)

enum Q8_0Kernel: IntQuantKernelFormat {
    static var format: QuantFormat { .q8_0 }
    @inline(__always) static func chunkAddress(_ row: UnsafeRawPointer, _ c: Int) -> UnsafeRawPointer { row + c * 68 }
    /// u = q ⊕ 0x80 = q + 128, so cw = −128·d.
    @inline(__always)
    static func intChunk(_ row: UnsafeRawPointer, _ c: Int, prepared: SIMD16<Float>, half: Bool) -> IntChunk {
        let p = row + c * 68
        let d0 = half16(p, 0)
        if half {
            let u = _mm512_maskz_xor_epi64(0x0F, _mm512_castsi256_si512(yload(p + 2)), splatBytes(0x80))
            let dw = halves(d0, 0)
            return IntChunk(u: u, dw: dw, cw: dw * -128)
        }
        let d1 = half16(p, 34)
        let y = _mm512_mask_broadcast_i64x4(_mm512_castsi256_si512(yload(p + 2)), 0xF0, yload(p + 36))
        let dw = halves(d0, d1)
        return IntChunk(u: _mm512_xor_si512(y, splatBytes(0x80)), dw: dw, cw: dw * -128)
    }
}

enum Q4_0Kernel: IntQuantKernelFormat {
    static var format: QuantFormat { .q4_0 }
    @inline(__always) static func chunkAddress(_ row: UnsafeRawPointer, _ c: Int) -> UnsafeRawPointer { row + c * 36 }
    @inline(__always)
    static func intChunk(_ row: UnsafeRawPointer, _ c: Int, prepared: SIMD16<Float>, half: Bool) -> IntChunk {
        let p = row + c * 36
        let d0 = half16(p, 0)
        if half {
            let dw = halves(d0, 0)
            return IntChunk(u: nibbleSingle(p + 2), dw: dw, cw: dw * -8)
        }
        let dw = halves(d0, half16(p, 18))
        return IntChunk(u: nibblePairs(p + 2, p + 20), dw: dw, cw: dw * -8)
    }
}

enum Q4_1Kernel: IntQuantKernelFormat {
    static var format: QuantFormat { .q4_1 }
    @inline(__always) static func chunkAddress(_ row: UnsafeRawPointer, _ c: Int) -> UnsafeRawPointer { row + c * 40 }
    @inline(__always)
    static func intChunk(_ row: UnsafeRawPointer, _ c: Int, prepared: SIMD16<Float>, half: Bool) -> IntChunk {
        let p = row + c * 40
        if half {
            return IntChunk(u: nibbleSingle(p + 4), dw: halves(half16(p, 0), 0), cw: halves(half16(p, 2), 0))
        }
        return IntChunk(u: nibblePairs(p + 4, p + 24), dw: halves(half16(p, 0), half16(p, 20)),
                        cw: halves(half16(p, 2), half16(p, 22)))
    }
}

enum Q5_0Kernel: IntQuantKernelFormat {
    static var format: QuantFormat { .q5_0 }
    @inline(__always) static func chunkAddress(_ row: UnsafeRawPointer, _ c: Int) -> UnsafeRawPointer { row + c * 44 }
    /// The 32 fifth bits of a block are, in order, the 32 values' bit 4: a byte mask sets 16 where set.
    @inline(__always)
    static func intChunk(_ row: UnsafeRawPointer, _ c: Int, prepared: SIMD16<Float>, half: Bool) -> IntChunk {
        let p = row + c * 44
        let h0 = UInt64(p.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        if half {
            let u = _mm512_or_si512(nibbleSingle(p + 6), _mm512_maskz_set1_epi8(h0, 16))
            let dw = halves(half16(p, 0), 0)
            return IntChunk(u: u, dw: dw, cw: dw * -16)
        }
        let h1 = UInt64(p.loadUnaligned(fromByteOffset: 24, as: UInt32.self))
        let u = _mm512_or_si512(nibblePairs(p + 6, p + 28), _mm512_maskz_set1_epi8(h0 | h1 << 32, 16))
        let dw = halves(half16(p, 0), half16(p, 22))
        return IntChunk(u: u, dw: dw, cw: dw * -16)
    }
}

// MARK: - K-quants (a 256-value super-block is four chunks)

enum Q4_KKernel: IntQuantKernelFormat {
    static var format: QuantFormat { .q4_K }
    @inline(__always) static var chunksPerPrepare: Int { 4 }
    @inline(__always) static func chunkAddress(_ row: UnsafeRawPointer, _ c: Int) -> UnsafeRawPointer {
        row + (c >> 2) * 144 + 16 + (c & 3) * 32
    }
    /// The 8 six-bit scales and mins of the super-block (ggml's get_scale_min_k4, 4 at a time on 32-bit
    /// words) as FP32: lanes 0–7 d·scale[j], lanes 8–15 −dmin·min[j].
    @inline(__always)
    static func prepare(_ row: UnsafeRawPointer, _ c: Int) -> SIMD16<Float> {
        let p = row + (c >> 2) * 144
        let a = p.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
        let b = p.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
        let q = p.loadUnaligned(fromByteOffset: 12, as: UInt32.self)
        let sc = UInt64(a & 0x3F3F_3F3F) | UInt64((q & 0x0F0F_0F0F) | ((a >> 6) & 0x0303_0303) << 4) << 32
        let mn = UInt64(b & 0x3F3F_3F3F) | UInt64(((q >> 4) & 0x0F0F_0F0F) | ((b >> 6) & 0x0303_0303) << 4) << 32
        let v = toFloat(_mm512_cvtepu8_epi32(_mm_set_epi64x(Int64(bitPattern: mn), Int64(bitPattern: sc))))
        return v * halves(half16(p, 0), -half16(p, 2))
    }
    /// Chunk j of a super-block: sub-blocks 2j (low nibbles of q[32j ..< 32j+32]) and 2j+1 (high nibbles).
    @inline(__always)
    static func intChunk(_ row: UnsafeRawPointer, _ c: Int, prepared: SIMD16<Float>, half: Bool) -> IntChunk {
        let p = row + (c >> 2) * 144
        let j = Int32(c & 3)
        let pick = SIMD16<Int32>(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1) &+ SIMD16<Int32>(repeating: 2 * j)
        let dw = _mm512_permutexvar_ps(unsafeBitCast(pick, to: __m512i.self), prepared)
        let cw = _mm512_permutexvar_ps(unsafeBitCast(pick &+ 8, to: __m512i.self), prepared)
        return IntChunk(u: nibbleHalves(p + 16 + 32 * Int(j)), dw: dw, cw: cw)
    }
}

enum Q6_KKernel: IntQuantKernelFormat {
    static var format: QuantFormat { .q6_K }
    @inline(__always) static func chunkAddress(_ row: UnsafeRawPointer, _ c: Int) -> UnsafeRawPointer {
        row + (c >> 2) * 210 + ((c >> 1) & 1) * 64
    }
    /// Chunk j of a super-block: half h = j/2 (ql[64h ..< 64h+64], qh[32h ..< 32h+32]); j even takes the
    /// low nibbles with qh bits 0–1 (first 32 values) and 2–3 (next 32); j odd the high nibbles with
    /// bits 4–5 and 6–7. Scales: one int8 per 16 values, scales[4j ..< 4j+4].
    @inline(__always) static var chunksPerPrepare: Int { 4 }
    /// The 16 int8 scales of the super-block times d, as FP32.
    @inline(__always)
    static func prepare(_ row: UnsafeRawPointer, _ c: Int) -> SIMD16<Float> {
        let p = row + (c >> 2) * 210
        return toFloat(_mm512_cvtepi8_epi32(xload(p + 192))) * half16(p, 208)
    }
    @inline(__always)
    static func intChunk(_ row: UnsafeRawPointer, _ c: Int, prepared: SIMD16<Float>, half: Bool) -> IntChunk {
        let p = row + (c >> 2) * 210
        let j = c & 3, h = j >> 1
        let ql = zload(p + 64 * h)
        let qh = _mm512_broadcast_i64x4(yload(p + 128 + 32 * h))
        let lo: __m512i, hb: __m512i
        if j & 1 == 0 {
            lo = _mm512_and_si512(ql, splatBytes(0x0F))
            hb = _mm512_mask_blend_epi64(0xF0, qh, _mm512_srli_epi16(qh, 2))
        } else {
            lo = _mm512_and_si512(_mm512_srli_epi16(ql, 4), splatBytes(0x0F))
            hb = _mm512_mask_blend_epi64(0xF0, _mm512_srli_epi16(qh, 4), _mm512_srli_epi16(qh, 6))
        }
        let u = _mm512_or_si512(lo, _mm512_slli_epi16(_mm512_and_si512(hb, splatBytes(0x03)), 4))
        let dw = _mm512_permutexvar_ps(quarterIndex(Int32(j)), prepared)
        return IntChunk(u: u, dw: dw, cw: dw * -32)
    }
}

// MARK: - Float formats (FP32 activations only)

enum F16Kernel: QuantKernelFormat {
    static var format: QuantFormat { .f16 }
    @inline(__always) static func chunkAddress(_ row: UnsafeRawPointer, _ c: Int) -> UnsafeRawPointer { row + c * 128 }
    @inline(__always)
    static func floatChunk(_ row: UnsafeRawPointer, _ c: Int) -> InlineArray<4, SIMD16<Float>> {
        let p = row + c * 128
        var out = InlineArray<4, SIMD16<Float>>(repeating: SIMD16<Float>())
        for q in 0..<4 { out[q] = _mm512_cvtph_ps(yload(p + 32 * q)) }
        return out
    }
}

enum BF16Kernel: QuantKernelFormat {
    static var format: QuantFormat { .bf16 }
    @inline(__always) static func chunkAddress(_ row: UnsafeRawPointer, _ c: Int) -> UnsafeRawPointer { row + c * 128 }
    @inline(__always)
    static func floatChunk(_ row: UnsafeRawPointer, _ c: Int) -> InlineArray<4, SIMD16<Float>> {
        let p = row + c * 128
        var out = InlineArray<4, SIMD16<Float>>(repeating: SIMD16<Float>())
        for q in 0..<4 {
            out[q] = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(yload(p + 32 * q)), 16))
        }
        return out
    }
}
#endif
