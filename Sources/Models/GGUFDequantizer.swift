/// Conversion of ggml block formats to FP32. Block layouts follow ggml's `ggml-quants.c` reference
/// (`dequantize_row_*`); every function reads exactly `count / blockElements` blocks from `src`.
enum GGUFDequantizer {
    /// Converts `count` values (a multiple of the type's block) of type `type` from `src` into `dst`.
    static func convert(_ type: GGUFTensorType, src: UnsafeRawPointer, dst: UnsafeMutablePointer<Float>, count: Int) {
        let blocks = count / type.blockElements
        switch type {
        case .f32:
            UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: count * 4)
        case .f16:
            for i in 0..<count { dst[i] = half(src, i * 2) }
        case .bf16:
            for i in 0..<count {
                dst[i] = Float(bitPattern: UInt32(src.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)) << 16)
            }
        case .q4_0: q4_0(src, dst, blocks)
        case .q4_1: q4_1(src, dst, blocks)
        case .q5_0: q5_0(src, dst, blocks)
        case .q5_1: q5_1(src, dst, blocks)
        case .q8_0: q8_0(src, dst, blocks)
        case .q4_K: q4_K(src, dst, blocks)
        case .q6_K: q6_K(src, dst, blocks)
        case .q8_K: q8_K(src, dst, blocks)
        default:
            preconditionFailure("GGUFFile.dequantize checks canDequantize before calling")
        }
    }

    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }

    /// Q4_0: fp16 d, 16 bytes; value j = (low nibble of byte j − 8)·d, value j+16 = (high nibble − 8)·d.
    static func q4_0(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0..<blocks {
            let p = src + b * 18
            let d = half(p, 0)
            let q = p + 2
            let y = dst + b * 32
            for j in 0..<16 {
                let v = q.load(fromByteOffset: j, as: UInt8.self)
                y[j] = Float(Int(v & 0x0F) - 8) * d
                y[j + 16] = Float(Int(v >> 4) - 8) * d
            }
        }
    }

    /// Q4_1: fp16 d, fp16 m, 16 bytes; value j = (low nibble of byte j)·d + m, value j+16 = (high nibble)·d + m.
    static func q4_1(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0..<blocks {
            let p = src + b * 20
            let d = half(p, 0)
            let m = half(p, 2)
            let q = p + 4
            let y = dst + b * 32
            for j in 0..<16 {
                let v = q.load(fromByteOffset: j, as: UInt8.self)
                y[j] = Float(v & 0x0F) * d + m
                y[j + 16] = Float(v >> 4) * d + m
            }
        }
    }

    /// Q5_0: fp16 d, u32 qh (bit j = 5th bit of value j), 16 bytes of low nibbles;
    /// value j = ((low nibble of byte j | bit j << 4) − 16)·d, value j+16 = ((high nibble | bit j+16 << 4) − 16)·d.
    static func q5_0(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0..<blocks {
            let p = src + b * 22
            let d = half(p, 0)
            let qh = p.loadUnaligned(fromByteOffset: 2, as: UInt32.self)
            let y = dst + b * 32
            for j in 0..<16 {
                let v = UInt32(p.load(fromByteOffset: 6 + j, as: UInt8.self))
                let h0 = ((qh >> UInt32(j)) << 4) & 0x10, h1 = (qh >> UInt32(j + 12)) & 0x10
                y[j] = Float(Int32((v & 0x0F) | h0) - 16) * d
                y[j + 16] = Float(Int32((v >> 4) | h1) - 16) * d
            }
        }
    }

    /// Q5_1: fp16 d, fp16 m, u32 qh, 16 bytes of low nibbles; value = (5-bit q)·d + m.
    static func q5_1(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0..<blocks {
            let p = src + b * 24
            let d = half(p, 0), m = half(p, 2)
            let qh = p.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
            let y = dst + b * 32
            for j in 0..<16 {
                let v = UInt32(p.load(fromByteOffset: 8 + j, as: UInt8.self))
                let h0 = ((qh >> UInt32(j)) << 4) & 0x10, h1 = (qh >> UInt32(j + 12)) & 0x10
                y[j] = Float((v & 0x0F) | h0) * d + m
                y[j + 16] = Float((v >> 4) | h1) * d + m
            }
        }
    }

    /// Q4_K: fp16 d, fp16 dmin, 12 bytes of packed 6-bit (scale, min) pairs for 8 sub-blocks of 32, 128
    /// bytes of nibbles (each 32-byte group: low nibbles = sub-block 2i, high = 2i+1);
    /// value = (d·scale)·q − (dmin·min).
    static func q4_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0..<blocks {
            let p = src + b * 144
            let d = half(p, 0), dmin = half(p, 2)
            let s = p + 4, q = p + 16
            let y = dst + b * 256
            for j in 0..<4 {
                let (sc0, m0) = scaleMinK4(2 * j, s), (sc1, m1) = scaleMinK4(2 * j + 1, s)
                let d0 = d * Float(sc0), dm0 = dmin * Float(m0)
                let d1 = d * Float(sc1), dm1 = dmin * Float(m1)
                for l in 0..<32 {
                    let v = q.load(fromByteOffset: 32 * j + l, as: UInt8.self)
                    y[64 * j + l] = d0 * Float(v & 0x0F) - dm0
                    y[64 * j + 32 + l] = d1 * Float(v >> 4) - dm1
                }
            }
        }
    }

    /// Sub-block `j`'s 6-bit (scale, min) of a Q4_K/Q5_K block's 12 scale bytes (ggml's `get_scale_min_k4`).
    @inline(__always)
    static func scaleMinK4(_ j: Int, _ q: UnsafeRawPointer) -> (UInt8, UInt8) {
        func at(_ i: Int) -> UInt8 { q.load(fromByteOffset: i, as: UInt8.self) }
        if j < 4 { return (at(j) & 63, at(j + 4) & 63) }
        return ((at(j + 4) & 0x0F) | ((at(j - 4) >> 6) << 4), (at(j + 4) >> 4) | ((at(j) >> 6) << 4))
    }

    /// Q8_0: fp16 d, 32 int8; value j = q[j]·d.
    static func q8_0(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0..<blocks {
            let p = src + b * 34
            let d = half(p, 0)
            let y = dst + b * 32
            for j in 0..<32 { y[j] = Float(p.load(fromByteOffset: 2 + j, as: Int8.self)) * d }
        }
    }

    /// Q6_K: ql[128] (low 4 bits), qh[64] (high 2 bits), int8 scales[16], fp16 d; 256 values in two
    /// halves of 128, each 4 groups of 32 with per-16 scales.
    static func q6_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0..<blocks {
            let p = src + b * 210
            let d = half(p, 208)
            var ql = p
            var qh = p + 128
            var sc = p + 192
            var y = dst + b * 256
            for _ in 0..<2 {
                for l in 0..<32 {
                    let isc = l / 16
                    let h = Int(qh.load(fromByteOffset: l, as: UInt8.self))
                    let l0 = Int(ql.load(fromByteOffset: l, as: UInt8.self))
                    let l32 = Int(ql.load(fromByteOffset: l + 32, as: UInt8.self))
                    let q1 = ((l0 & 0xF) | (((h >> 0) & 3) << 4)) - 32
                    let q2 = ((l32 & 0xF) | (((h >> 2) & 3) << 4)) - 32
                    let q3 = ((l0 >> 4) | (((h >> 4) & 3) << 4)) - 32
                    let q4 = ((l32 >> 4) | (((h >> 6) & 3) << 4)) - 32
                    y[l + 0] = d * Float(sc.load(fromByteOffset: isc + 0, as: Int8.self)) * Float(q1)
                    y[l + 32] = d * Float(sc.load(fromByteOffset: isc + 2, as: Int8.self)) * Float(q2)
                    y[l + 64] = d * Float(sc.load(fromByteOffset: isc + 4, as: Int8.self)) * Float(q3)
                    y[l + 96] = d * Float(sc.load(fromByteOffset: isc + 6, as: Int8.self)) * Float(q4)
                }
                y += 128; ql += 64; qh += 32; sc += 8
            }
        }
    }

    /// Q8_K: f32 d, int8 qs[256], int16 bsums[16]; value j = qs[j]·d.
    static func q8_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0..<blocks {
            let p = src + b * 292
            let d = Float(bitPattern: p.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
            let y = dst + b * 256
            for j in 0..<256 { y[j] = Float(p.load(fromByteOffset: 4 + j, as: Int8.self)) * d }
        }
    }
}
