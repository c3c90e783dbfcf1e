/// The element-wise parts of the expert FFN and the combine step, vectorized with 16 lanes (two ymm
/// halves on AVX2 machines) and scalar tails.
enum SwiGLU {
    /// gate[i] = silu(gate[i]) · up[i], silu(g) = g / (1 + e⁻ᵍ), with e⁻ᵍ = 2^(−g·log₂e) by `fastExp2`.
    @inline(__always)
    static func apply(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int) {
        typealias V = SIMD16<Float>
        let scale = V(repeating: -1.442_695_04), one = V(repeating: 1)
        var i = 0
        while i + 16 <= count {
            let g = UnsafeRawPointer(gate + i).loadUnaligned(as: V.self)
            let u = UnsafeRawPointer(up + i).loadUnaligned(as: V.self)
            let r = g / (one + V.fastExp2(g * scale)) * u
            UnsafeMutableRawPointer(gate + i).storeBytes(of: r, as: V.self)
            i += 16
        }
        while i < count {
            let g = gate[i]
            let e = SIMD4<Float>.fastExp2(SIMD4(repeating: -g * 1.442_695_04))[0]
            gate[i] = g / (1 + e) * up[i]
            i += 1
        }
    }

    /// y[i] += a · x[i].
    @inline(__always)
    static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        typealias V = SIMD16<Float>
        let av = V(repeating: a)
        var i = 0
        while i + 16 <= count {
            let xv = UnsafeRawPointer(x + i).loadUnaligned(as: V.self)
            let yv = UnsafeRawPointer(y + i).loadUnaligned(as: V.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: yv.addingProduct(av, xv), as: V.self)
            i += 16
        }
        while i < count {
            y[i] += a * x[i]
            i += 1
        }
    }
}
