#if canImport(Glibc)
import Glibc
#endif

/// The element-wise steps of the forward pass (RMSNorm, SwiGLU, RoPE, residual adds). They are O(T·H)
/// against the matmuls' O(T·H²), so they stay out of the kernel library; they are written over SIMD16
/// so the transcendental in SiLU does not dominate a 512-token prefill.
enum VectorMath {
    typealias V = SIMD16<Float>

    /// e^x for 16 lanes: Cephes `expf` (range reduction by ln 2, degree-6 polynomial, exponent by bit
    /// arithmetic); relative error ~2e-7 for x in [-87, 88], saturating outside.
    @inline(__always)
    static func exp(_ x0: V) -> V {
        let x1 = x0.replacing(with: V(repeating: 88.0), where: x0 .> 88.0)
        let x = x1.replacing(with: V(repeating: -87.0), where: x1 .< -87.0)
        // n = round(x / ln 2) through the 1.5·2^23 trick: the sum's low mantissa bits hold n.
        let magic = V(repeating: 12_582_912.0)
        let t = x * V(repeating: 1.442_695_040_888_963_4) + magic
        let n = t - magic
        var r = x - n * V(repeating: 0.693_359_375)
        r = r - n * V(repeating: -2.121_944_400_546_905_8e-4)
        let z = r * r
        var p = V(repeating: 1.987_569_150_0e-4)
        p = p * r + V(repeating: 1.398_199_950_7e-3)
        p = p * r + V(repeating: 8.333_451_907_3e-3)
        p = p * r + V(repeating: 4.166_579_589_4e-2)
        p = p * r + V(repeating: 1.666_666_545_9e-1)
        p = p * r + V(repeating: 5.000_000_120_1e-1)
        let y = p * z + r + V(repeating: 1)
        // 2^n: (n + 127) << 23, with n read back from t's bits.
        let nBits = unsafeBitCast(t, to: SIMD16<Int32>.self) &- unsafeBitCast(magic, to: SIMD16<Int32>.self)
        let scale = unsafeBitCast((nBits &+ 127) &<< 23, to: V.self)
        return y * scale
    }

    /// out = x / sqrt(mean(x²) + eps) · w for each of `rows` rows of `n` values.
    static func rmsNorm(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                        rows: Int, n: Int, eps: Float) {
        for r in 0..<rows {
            let xr = x + r * n, yr = out + r * n
            var acc = V()
            var i = 0
            while i + 16 <= n {
                let v = UnsafeRawPointer(xr + i).loadUnaligned(as: V.self)
                acc.addProduct(v, v)
                i += 16
            }
            var ss = acc.sum()
            while i < n { ss += xr[i] * xr[i]; i += 1 }
            let scale = 1 / (ss / Float(n) + eps).squareRoot()
            for j in 0..<n { yr[j] = xr[j] * scale * w[j] }
        }
    }

    /// g[i] = silu(g[i]) · u[i] for `count` values.
    static func swiGLU(_ g: UnsafeMutablePointer<Float>, _ u: UnsafePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            let gv = UnsafeRawPointer(g + i).loadUnaligned(as: V.self)
            let uv = UnsafeRawPointer(u + i).loadUnaligned(as: V.self)
            let s = gv / (V(repeating: 1) + exp(-gv))
            UnsafeMutableRawPointer(g + i).storeBytes(of: s * uv, as: V.self)
            i += 16
        }
        while i < count {
            g[i] = g[i] / (1 + Glibc.expf(-g[i])) * u[i]
            i += 1
        }
    }

    /// y[0..<count] += x[0..<count].
    static func add(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            let a = UnsafeRawPointer(y + i).loadUnaligned(as: V.self), b = UnsafeRawPointer(x + i).loadUnaligned(as: V.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: a + b, as: V.self)
            i += 16
        }
        while i < count { y[i] += x[i]; i += 1 }
    }

    /// x[r, 0..<n] += bias for each of `rows` rows `stride` apart.
    static func addBias(_ x: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, rows: Int, n: Int, stride: Int) {
        for r in 0..<rows {
            let xr = x + r * stride
            for j in 0..<n { xr[j] += bias[j] }
        }
    }

    /// Rotates pairs of each head of `rows` rows: adjacent pairs (2i, 2i+1) (llama.cpp's "normal" RoPE
    /// layout) or, with `neox`, the halves (i, i + headDim/2) (GPT-NeoX/Qwen2). Row r is at position
    /// `firstPosition + r`; `cos`/`sin` hold [position × headDim/2].
    static func rope(_ x: UnsafeMutablePointer<Float>, rows: Int, heads: Int, headDim: Int, rowStride: Int,
                     firstPosition: Int, cos: UnsafePointer<Float>, sin: UnsafePointer<Float>, neox: Bool = false) {
        let half = headDim / 2
        let second = neox ? half : 1, step = neox ? 1 : 2
        for r in 0..<rows {
            let c = cos + (firstPosition + r) * half, s = sin + (firstPosition + r) * half
            for h in 0..<heads {
                let v = x + r * rowStride + h * headDim
                for i in 0..<half {
                    let j = i * step
                    let a = v[j], b = v[j + second]
                    v[j] = a * c[i] - b * s[i]
                    v[j + second] = a * s[i] + b * c[i]
                }
            }
        }
    }
}
