/// Activations quantized for the block kernels (`QuantDecodeBlocks.generated.swift`), in two layouts:
///
/// - **32-value blocks** (for Q4_0, Q4_1, Q5_0 weights): each row is cut into groups of 16 blocks
///   of 32 values (512 values, zero-padded at the end), one group = `groupBytes` = 640 bytes:
///   int8 q[512] | Float d[16] (block b's scale) | Float s[16] (d·Σ of block b's q).
///   Block b is quantized like Q8_0: d = max|x|/127, q = round-to-nearest-even(x/d).
///   `s` carries the offset term of the weight formats (Σ x·(u·dw + cw) = dw·d·Σu·q + cw·s).
/// - **256-value super-blocks** (for Q4_K weights; llama.cpp's Q8_K): one scale per 256 values, so a
///   super-block's integer dot products (with the 6-bit sub-block scales applied in integer) convert
///   to FP32 once. One super-block = `superBytes` = 384 bytes: int8 q[256] | Int32 bs[16] (lanes 0–7
///   zero, lane 8+j the Σq of 32-value sub-block j) | Float da[16] (lanes 0–7 d, 8–15 −d).
///   With `interleaved` (the AVX-512 kernel) the 32-byte sub-blocks are stored in the order
///   0, 2, 1, 3, 4, 6, 5, 7 (a 64-byte load of the weights' nibbles gives sub-blocks 0 and 2 in its low
///   nibbles, 1 and 3 in its high ones); otherwise in order.
///
/// Error: |x − d·q| ≤ d/2 = max|x|/254 per value, the max over the value's block (32 or 256 values).
/// Portable code (it also feeds the AVX2 kernels on CPUs without AVX-512); AVX-512 conversions where present.
#if arch(x86_64)
import CX86
#endif

struct QuantActivationBlocks {
    static let groupBytes = 640
    static let superBytes = 384
    let base: UnsafeMutableRawPointer
    /// Bytes per activation row.
    let rowBytes: Int

    @inline(__always) func row(_ r: Int) -> UnsafeMutableRawPointer { base + r * rowBytes }

    /// Bytes per row of K values in the 32-value layout.
    static func rowBytes32(k: Int) -> Int { (k + 511) / 512 * groupBytes }
    /// Bytes per row of K values (a multiple of 256) in the super-block layout.
    static func rowBytes256(k: Int) -> Int { (k + 255) / 256 * superBytes }

    /// Quantizes rows 0 ..< m of x (leading dimension ldx, K values per row) into `base` (32-value layout).
    static func quantize32(m: Int, k: Int, x: UnsafePointer<Float>, ldx: Int, into base: UnsafeMutableRawPointer) -> QuantActivationBlocks {
        let rb = rowBytes32(k: k)
        let fast = QuantCPU.host.avx512
        let groups = (k + 511) / 512
        for r in 0..<m {
            let row = x + r * ldx
            for g in 0..<groups {
                let dst = base + r * rb + g * groupBytes
                let ds = (dst + 512).assumingMemoryBound(to: Float.self)
                for b in 0..<16 {
                    let k0 = 512 * g + 32 * b
                    let q = (dst + 32 * b).assumingMemoryBound(to: Int8.self)
                    if k0 >= k {
                        (dst + 32 * b).initializeMemory(as: UInt8.self, repeating: 0, count: 32)
                        ds[b] = 0; ds[16 + b] = 0
                        continue
                    }
                    let (d, sum) = block32(row + k0, count: min(32, k - k0), into: q, fast: fast)
                    ds[b] = d; ds[16 + b] = d * Float(sum)
                }
            }
        }
        return QuantActivationBlocks(base: base, rowBytes: rb)
    }

    /// Quantizes rows 0 ..< m of x into `base` (super-block layout; K a multiple of 256).
    static func quantize256(m: Int, k: Int, x: UnsafePointer<Float>, ldx: Int, interleaved: Bool,
                            into base: UnsafeMutableRawPointer) -> QuantActivationBlocks {
        let rb = rowBytes256(k: k)
        let fast = QuantCPU.host.avx512
        for r in 0..<m {
            let row = x + r * ldx
            for s in 0..<(k / 256) {
                let src = row + 256 * s
                let dst = base + r * rb + s * superBytes
                var v = SIMD16<Float>()
                var i = 0
                while i < 256 {
                    v = absMax(v, UnsafeRawPointer(src + i).loadUnaligned(as: SIMD16<Float>.self), fast: fast)
                    i += 16
                }
                let amax = laneMax(v, fast: fast)
                let d = amax / 127
                let id: Float = d > 0 ? 1 / d : 0
                let bs = (dst + 256).assumingMemoryBound(to: Int32.self)
                let da = (dst + 320).assumingMemoryBound(to: Float.self)
                for j in 0..<8 {
                    let slot = interleaved ? (j & 4) | (j & 1) << 1 | (j >> 1) & 1 : j
                    let q = (dst + 32 * slot).assumingMemoryBound(to: Int8.self)
                    bs[j] = 0
                    bs[8 + j] = round32(src + 32 * j, id, into: q, fast: fast)
                    da[j] = d; da[8 + j] = -d
                }
            }
        }
        return QuantActivationBlocks(base: base, rowBytes: rb)
    }

    /// One Q8_0-like block of `count` ≤ 32 values (zero-padded to 32): its scale and Σq.
    @inline(__always)
    static func block32(_ x: UnsafePointer<Float>, count: Int, into q: UnsafeMutablePointer<Int8>, fast: Bool) -> (Float, Int32) {
        var lo = SIMD16<Float>(), hi = SIMD16<Float>()
        if count == 32 {
            lo = UnsafeRawPointer(x).loadUnaligned(as: SIMD16<Float>.self)
            hi = UnsafeRawPointer(x + 16).loadUnaligned(as: SIMD16<Float>.self)
        } else {
            for i in 0..<min(16, count) { lo[i] = x[i] }
            if count > 16 { for i in 16..<count { hi[i - 16] = x[i] } }
        }
        let amax = laneMax(absMax(absMax(SIMD16<Float>(), lo, fast: fast), hi, fast: fast), fast: fast)
        let d = amax / 127
        let id: Float = d > 0 ? 1 / d : 0
        return (d, round16(lo * id, into: q, fast: fast) &+ round16(hi * id, into: q + 16, fast: fast))
    }

    /// max(acc, |x|) lane by lane (acc ≥ 0). Swift's generic `pointwiseMax` and negation compiled to
    /// scalar compares and stack spills here, which made quantizing the activations cost as much as the
    /// output matrix's whole matmul in decode (15% of SmolLM2's decode time in `perf`); these are
    /// `vandps` + `vmaxps` (or a plain loop without AVX-512).
    @inline(__always)
    static func absMax(_ acc: SIMD16<Float>, _ x: SIMD16<Float>, fast: Bool) -> SIMD16<Float> {
        #if arch(x86_64)
        if fast { return _mm512_max_ps(acc, _mm512_abs_ps(x)) }
        #endif
        var r = acc
        for l in 0..<16 { r[l] = Swift.max(acc[l], abs(x[l])) }
        return r
    }

    /// The largest lane.
    @inline(__always)
    static func laneMax(_ v: SIMD16<Float>, fast: Bool) -> Float {
        #if arch(x86_64)
        if fast { return _mm512_reduce_max_ps(v) }
        #endif
        var m = v[0]
        for l in 1..<16 { m = Swift.max(m, v[l]) }
        return m
    }

    /// 32 values times `id`, rounded to int8 into q: Σq.
    @inline(__always)
    static func round32(_ x: UnsafePointer<Float>, _ id: Float, into q: UnsafeMutablePointer<Int8>, fast: Bool) -> Int32 {
        let lo = UnsafeRawPointer(x).loadUnaligned(as: SIMD16<Float>.self)
        let hi = UnsafeRawPointer(x + 16).loadUnaligned(as: SIMD16<Float>.self)
        return round16(lo * id, into: q, fast: fast) &+ round16(hi * id, into: q + 16, fast: fast)
    }

    /// 16 values (|v| ≤ 127) rounded to nearest even into int8: Σ. Swift's generic SIMD conversions
    /// (`SIMD16<Int32>(v, rounding:)`, `truncatingIfNeeded:`) went lane by lane through slow paths
    /// (~1 ms per 4096 values); these are `vcvtps2dq` + `vpmovsdb`, or scalar `vroundss` without AVX-512.
    @inline(__always)
    static func round16(_ v: SIMD16<Float>, into q: UnsafeMutablePointer<Int8>, fast: Bool) -> Int32 {
        #if arch(x86_64)
        if fast {
            let i = _mm512_cvtps_epi32(v)
            UnsafeMutableRawPointer(q).storeBytes(of: _mm512_cvtsepi32_epi8(i), as: __m128i.self)
            return _mm512_reduce_add_epi32(i)
        }
        #endif
        var sum: Int32 = 0
        for l in 0..<16 {
            let r = Int32(v[l].rounded(.toNearestOrEven))
            q[l] = Int8(truncatingIfNeeded: r)
            sum &+= r
        }
        return sum
    }
}
