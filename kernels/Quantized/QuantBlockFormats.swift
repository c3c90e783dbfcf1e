#if arch(x86_64)
import CX86

/// A 4/5-bit 32-value block format (Q4_0, Q4_1, Q5_0) as the block kernels
/// (`QuantDecodeBlocks.generated.swift`) read it: each 64-value chunk (two blocks, ≤ 44 bytes) is one
/// 64-byte load from which both the quants (`chunkQuants`) and the two blocks' scales (`chunkScales`, one
/// word permutation and one FP16 conversion) are taken, so a chunk costs one load per weight row.
/// (A first version gathered the 16 scale words of a 512-value group with `vpgatherdd`: on this Zen 5
/// that ran several times slower than the loads it replaced.)
protocol Block32Format: IntQuantKernelFormat {
    /// Bytes per 32-value block.
    static var blockBytes: Int { get }
    /// AVX-512: the bytes of blocks 2c, 2c+1 of `row` (`rowBytes` long) from one 64-byte load, masked
    /// to the blocks near the row's end (with `half`, block 2c only) so nothing past the row is read.
    static func chunkBytes(_ row: UnsafeRawPointer, _ c: Int, half: Bool, rowBytes: Int) -> __m512i
    /// AVX-512: the 64 unsigned values u of the chunk (value i = u[i]·dw + cw).
    static func chunkQuants(_ v: __m512i, _ row: UnsafeRawPointer, _ c: Int, half: Bool) -> __m512i
    /// AVX-512: [dw₀ × 8, dw₁ × 8] and the offsets [cw₀, 0 × 7, cw₁, 0 × 7] (one lane per block, as the
    /// activation sums they multiply are per block).
    static func chunkScales(_ v: __m512i) -> (dw: SIMD16<Float>, cw: SIMD16<Float>)
    /// AVX2: block `b` of `row` as 32 unsigned bytes u.
    static func unpack32(_ row: UnsafeRawPointer, _ b: Int) -> __m256i
    /// AVX2: block `b`'s scale in every lane and its offset in lane 0 (zeros above).
    static func blockScales8(_ row: UnsafeRawPointer, _ b: Int) -> (dw: SIMD8<Float>, cw: SIMD8<Float>)
}

/// The AVX2 kernels use the same formats (u ≤ 31 keeps vpmaddubsw's pair sums exact: 2·31·127 < 2¹⁵).
typealias AVX2Block32Format = Block32Format

extension Block32Format {
    @inline(__always)
    static func chunkBytes(_ row: UnsafeRawPointer, _ c: Int, half: Bool, rowBytes: Int) -> __m512i {
        let p = row + c * 2 * blockBytes
        if rowBytes - c * 2 * blockBytes >= 64 { return zload(p) }
        let n = half ? blockBytes : 2 * blockBytes
        return _mm512_maskz_loadu_epi8(UInt64.max >> UInt64(64 - n), p)
    }
}

/// The nibbles of the two blocks in `v` (quants at byte `qs` of each `bytes`-byte block, an even
/// offset): one word permutation placing [q₀, q₀, q₁, q₁] in the four 128-bit lanes, one per-word shift
/// (0, 4, 0, 4) and a mask.
@inline(__always)
func nibblePairWords(_ v: __m512i, qs: Int, bytes: Int) -> __m512i {
    let a = Int16(qs / 2), b = Int16((bytes + qs) / 2)
    let idx = SIMD32<Int16>(a, a + 1, a + 2, a + 3, a + 4, a + 5, a + 6, a + 7, a, a + 1, a + 2, a + 3, a + 4, a + 5, a + 6, a + 7,
                            b, b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b, b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7)
    let shift = SIMD32<Int16>(0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 4, 4, 4, 4, 4, 4, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 4, 4, 4, 4, 4, 4)
    let w = _mm512_permutexvar_epi16(unsafeBitCast(idx, to: __m512i.self), v)
    return _mm512_and_si512(_mm512_srlv_epi16(w, unsafeBitCast(shift, to: __m512i.self)), splatBytes(0x0F))
}

/// FP16 words `a` (×8) and `b` (×8) of `v` as FP32 lanes [a × 8, b × 8]; with `sparse`, only lanes 0 and 8.
@inline(__always)
func halfWords(_ v: __m512i, _ a: Int16, _ b: Int16, sparse: Bool) -> SIMD16<Float> {
    let idx = SIMD32<Int16>(a, a, a, a, a, a, a, a, b, b, b, b, b, b, b, b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    let w = _mm512_maskz_permutexvar_epi16(sparse ? 0x0101 : 0xFFFF, unsafeBitCast(idx, to: __m512i.self), v)
    return _mm512_cvtph_ps(_mm512_castsi512_si256(w))
}

/// AVX2: FP16 bits → FP32 in every lane, or (`lane0`) in lane 0 only.
@inline(__always)
func half8(_ bits: UInt16, lane0: Bool) -> SIMD8<Float> {
    lane0 ? _mm256_cvtph_ps(_mm_cvtsi32_si128(Int32(bits))) : _mm256_cvtph_ps(_mm_set1_epi16(Int16(bitPattern: bits)))
}

// MARK: - Formats

@inline(__always) func nibbles32(_ p: UnsafeRawPointer) -> __m256i {
    let x = xload(p)
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(x, 4), x), _mm256_set1_epi8(0x0F))
}

extension Q4_0Kernel: Block32Format {
    @inline(__always) static var blockBytes: Int { 18 }
    @inline(__always) static func chunkQuants(_ v: __m512i, _ row: UnsafeRawPointer, _ c: Int, half: Bool) -> __m512i {
        nibblePairWords(v, qs: 2, bytes: 18)
    }
    @inline(__always) static func chunkScales(_ v: __m512i) -> (dw: SIMD16<Float>, cw: SIMD16<Float>) {
        let d = halfWords(v, 0, 9, sparse: false)
        return (d, _mm512_maskz_mul_ps(0x0101, d, SIMD16<Float>(repeating: -8)))
    }
    @inline(__always) static func unpack32(_ row: UnsafeRawPointer, _ b: Int) -> __m256i { nibbles32(row + b * 18 + 2) }
    @inline(__always) static func blockScales8(_ row: UnsafeRawPointer, _ b: Int) -> (dw: SIMD8<Float>, cw: SIMD8<Float>) {
        let bits = row.loadUnaligned(fromByteOffset: b * 18, as: UInt16.self)
        return (half8(bits, lane0: false), half8(bits, lane0: true) * -8)
    }
}

extension Q4_1Kernel: Block32Format {
    @inline(__always) static var blockBytes: Int { 20 }
    @inline(__always) static func chunkQuants(_ v: __m512i, _ row: UnsafeRawPointer, _ c: Int, half: Bool) -> __m512i {
        nibblePairWords(v, qs: 4, bytes: 20)
    }
    @inline(__always) static func chunkScales(_ v: __m512i) -> (dw: SIMD16<Float>, cw: SIMD16<Float>) {
        (halfWords(v, 0, 10, sparse: false), halfWords(v, 1, 11, sparse: true))
    }
    @inline(__always) static func unpack32(_ row: UnsafeRawPointer, _ b: Int) -> __m256i { nibbles32(row + b * 20 + 4) }
    @inline(__always) static func blockScales8(_ row: UnsafeRawPointer, _ b: Int) -> (dw: SIMD8<Float>, cw: SIMD8<Float>) {
        (half8(row.loadUnaligned(fromByteOffset: b * 20, as: UInt16.self), lane0: false),
         half8(row.loadUnaligned(fromByteOffset: b * 20 + 2, as: UInt16.self), lane0: true))
    }
}

extension Q5_0Kernel: Block32Format {
    @inline(__always) static var blockBytes: Int { 22 }
    /// The 32 fifth bits of a block (bit i of qh is value i's bit 4) set 16 in the byte of each value.
    @inline(__always) static func chunkQuants(_ v: __m512i, _ row: UnsafeRawPointer, _ c: Int, half: Bool) -> __m512i {
        let p = row + c * 44
        let h0 = UInt64(p.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        let h1 = half ? 0 : UInt64(p.loadUnaligned(fromByteOffset: 24, as: UInt32.self))
        return _mm512_or_si512(nibblePairWords(v, qs: 6, bytes: 22), _mm512_maskz_set1_epi8(h0 | h1 << 32, 16))
    }
    @inline(__always) static func chunkScales(_ v: __m512i) -> (dw: SIMD16<Float>, cw: SIMD16<Float>) {
        let d = halfWords(v, 0, 11, sparse: false)
        return (d, _mm512_maskz_mul_ps(0x0101, d, SIMD16<Float>(repeating: -16)))
    }
    /// AVX2: byte i takes bit i of qh (llama.cpp's bytes_from_bits_32), then 16 where set.
    @inline(__always) static func unpack32(_ row: UnsafeRawPointer, _ b: Int) -> __m256i {
        let p = row + b * 22
        let qh = p.loadUnaligned(fromByteOffset: 2, as: UInt32.self)
        let spread = _mm256_shuffle_epi8(_mm256_set1_epi32(Int32(bitPattern: qh)),
                                         unsafeBitCast(SIMD32<Int8>(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                                                    2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3), to: __m256i.self))
        let bit = unsafeBitCast(SIMD32<UInt8>(1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128,
                                              1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128), to: __m256i.self)
        let set = _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit)
        return _mm256_or_si256(nibbles32(p + 6), _mm256_and_si256(set, _mm256_set1_epi8(16)))
    }
    @inline(__always) static func blockScales8(_ row: UnsafeRawPointer, _ b: Int) -> (dw: SIMD8<Float>, cw: SIMD8<Float>) {
        let bits = row.loadUnaligned(fromByteOffset: b * 22, as: UInt16.self)
        return (half8(bits, lane0: false), half8(bits, lane0: true) * -16)
    }
}

// MARK: - Q4_K in integer

extension Q4_KKernel {
    /// The super-block's 8 six-bit scales and 8 mins (ggml's get_scale_min_k4) as 16 unsigned bytes:
    /// bytes 0–7 scale[j], 8–15 min[j].
    @inline(__always)
    static func scaleMinBytes(_ p: UnsafeRawPointer) -> __m128i {
        let a = p.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
        let b = p.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
        let q = p.loadUnaligned(fromByteOffset: 12, as: UInt32.self)
        let sc = UInt64(a & 0x3F3F_3F3F) | UInt64((q & 0x0F0F_0F0F) | ((a >> 6) & 0x0303_0303) << 4) << 32
        let mn = UInt64(b & 0x3F3F_3F3F) | UInt64(((q >> 4) & 0x0F0F_0F0F) | ((b >> 6) & 0x0303_0303) << 4) << 32
        return _mm_set_epi64x(Int64(bitPattern: mn), Int64(bitPattern: sc))
    }
    /// [d × 8, dmin × 8] of the super-block at `p`.
    @inline(__always)
    static func superScales(_ p: UnsafeRawPointer) -> SIMD16<Float> {
        let word = _mm256_set1_epi32(Int32(bitPattern: p.loadUnaligned(as: UInt32.self)))
        let pick = unsafeBitCast(SIMD16<Int16>(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1), to: __m256i.self)
        return _mm512_cvtph_ps(_mm256_permutexvar_epi16(pick, word))
    }
}

/// Constant lane patterns of the block kernels.
enum BlockLanes {
    /// Int32 lanes [a × 8, b × 8].
    @inline(__always) static func pair(_ a: Int32, _ b: Int32) -> __m512i {
        unsafeBitCast(SIMD16<Int32>(a, a, a, a, a, a, a, a, b, b, b, b, b, b, b, b), to: __m512i.self)
    }
    /// Int32 lanes 8–15 then 0–7 (swaps the 256-bit halves).
    @inline(__always) static var swapHalves: __m512i {
        unsafeBitCast(SIMD16<Int32>(8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7), to: __m512i.self)
    }
    /// AVX2: int16 lane j (of a 128-bit half) broadcast over the register.
    @inline(__always) static func word(_ j: Int) -> __m256i {
        let lo = Int8(2 * j), hi = Int8(2 * j + 1)
        let v = SIMD16<Int8>(lo, hi, lo, hi, lo, hi, lo, hi, lo, hi, lo, hi, lo, hi, lo, hi)
        return unsafeBitCast(SIMD32<Int8>(lowHalf: v, highHalf: v), to: __m256i.self)
    }
}
#endif
