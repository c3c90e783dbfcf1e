/// The plain reference dequantizers, one per format: scalar code written from ggml's
/// `dequantize_row_*` (ggml-quants.c), with gguf-py's order of float operations so that the results are
/// bit-identical to `gguf.quants.dequantize` (checked in the tests). Every fast kernel is verified
/// against these followed by the FP32 reference matmul.
public enum QuantReference {
    /// Converts `count` values (a multiple of `format.blockElements`) stored at `src` into `dst`.
    /// Reads exactly `format.rowBytes(cols: count)` bytes.
    public static func dequantize(_ format: QuantFormat, _ src: UnsafeRawPointer, count: Int,
                                  into dst: UnsafeMutablePointer<Float>) {
        let blocks = count / format.blockElements
        for b in 0..<blocks {
            let p = src + b * format.blockBytes
            let y = dst + b * format.blockElements
            switch format {
            case .f16: y[0] = half(p, 0)
            case .bf16: y[0] = Float(bitPattern: UInt32(p.loadUnaligned(as: UInt16.self)) << 16)
            case .q8_0: q8_0(p, y)
            case .q4_0: q4_0(p, y)
            case .q4_1: q4_1(p, y)
            case .q5_0: q5_0(p, y)
            case .q4_K: q4_K(p, y)
            case .q6_K: q6_K(p, y)
            }
        }
    }

    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }

    @inline(__always)
    static func byte(_ p: UnsafeRawPointer, _ offset: Int) -> Int { Int(p.load(fromByteOffset: offset, as: UInt8.self)) }

    /// x[j] = q[j]·d.
    static func q8_0(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p, 0)
        for j in 0..<32 { y[j] = Float(p.load(fromByteOffset: 2 + j, as: Int8.self)) * d }
    }

    /// x[j] = d·(low nibble of q[j] − 8), x[j+16] = d·(high nibble − 8).
    static func q4_0(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p, 0)
        for j in 0..<16 {
            let v = byte(p, 2 + j)
            y[j] = d * Float((v & 0xF) - 8)
            y[j + 16] = d * Float((v >> 4) - 8)
        }
    }

    /// x[j] = d·(low nibble) + m, x[j+16] = d·(high nibble) + m.
    static func q4_1(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p, 0), m = half(p, 2)
        for j in 0..<16 {
            let v = byte(p, 4 + j)
            y[j] = d * Float(v & 0xF) + m
            y[j + 16] = d * Float(v >> 4) + m
        }
    }

    /// x[j] = d·((nibble | bit j of qh << 4) − 16).
    static func q5_0(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p, 0)
        let qh = Int(p.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        for j in 0..<16 {
            let v = byte(p, 6 + j)
            let lo = (v & 0xF) | (((qh >> j) & 1) << 4)
            let hi = (v >> 4) | (((qh >> (j + 16)) & 1) << 4)
            y[j] = d * Float(lo - 16)
            y[j + 16] = d * Float(hi - 16)
        }
    }

    /// ggml's `get_scale_min_k4`: the 6-bit scale and min of sub-block `j` (0..<8) from the 12 scale bytes.
    @inline(__always)
    public static func scaleMinK4(_ j: Int, _ q: UnsafeRawPointer) -> (scale: Int, min: Int) {
        if j < 4 {
            return (byte(q, j) & 63, byte(q, j + 4) & 63)
        }
        return ((byte(q, j + 4) & 0xF) | ((byte(q, j - 4) >> 6) << 4),
                (byte(q, j + 4) >> 4) | ((byte(q, j) >> 6) << 4))
    }

    /// Four groups of 64: sub-block 2i from the low nibbles of q[32i ..< 32i+32], 2i+1 from the high
    /// nibbles; x = (d·sc)·q − dmin·m.
    static func q4_K(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p, 0), dmin = half(p, 2)
        let scales = p + 4, qs = p + 16
        for i in 0..<4 {
            let (s1, m1) = scaleMinK4(2 * i, scales)
            let (s2, m2) = scaleMinK4(2 * i + 1, scales)
            let d1 = d * Float(s1), dm1 = dmin * Float(m1)
            let d2 = d * Float(s2), dm2 = dmin * Float(m2)
            for l in 0..<32 {
                let v = byte(qs, 32 * i + l)
                y[64 * i + l] = d1 * Float(v & 0xF) - dm1
                y[64 * i + 32 + l] = d2 * Float(v >> 4) - dm2
            }
        }
    }

    /// Two halves of 128: x[l + 32·g] (g < 4) = (d·sc[l/16 + 2g])·(q − 32), q = 4 bits of ql and 2 of qh.
    static func q6_K(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p, 208)
        for h in 0..<2 {
            let ql = p + 64 * h, qh = p + 128 + 32 * h, sc = p + 192 + 8 * h
            for l in 0..<32 {
                let hb = byte(qh, l)
                let a = byte(ql, l), b = byte(ql, l + 32)
                let q = [(a & 0xF) | ((hb & 3) << 4), (b & 0xF) | (((hb >> 2) & 3) << 4),
                         (a >> 4) | (((hb >> 4) & 3) << 4), (b >> 4) | (((hb >> 6) & 3) << 4)]
                for g in 0..<4 {
                    let s = Float(sc.load(fromByteOffset: l / 16 + 2 * g, as: Int8.self))
                    y[128 * h + 32 * g + l] = (d * s) * Float(q[g] - 32)
                }
            }
        }
    }
}
