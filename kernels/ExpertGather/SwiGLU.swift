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

    /// out[i] += Σⱼ weights[rows[j]] · outputs[rows[j]·width + i], 64 columns at a time so the output row
    /// is read and written once (not once per slot), slots summed in order.
    @inline(__always)
    static func combineRow(out: UnsafeMutablePointer<Float>, rows: UnsafePointer<Int32>, k: Int,
                           weights: UnsafePointer<Float>, outputs: UnsafePointer<Float>, width: Int) {
        typealias V = SIMD16<Float>
        var i = 0
        while i + 64 <= width {
            let o = UnsafeMutableRawPointer(out + i)
            var a0 = o.loadUnaligned(as: V.self), a1 = o.loadUnaligned(fromByteOffset: 64, as: V.self)
            var a2 = o.loadUnaligned(fromByteOffset: 128, as: V.self), a3 = o.loadUnaligned(fromByteOffset: 192, as: V.self)
            for j in 0..<k {
                let r = Int(rows[j])
                let w = V(repeating: weights[r])
                let src = UnsafeRawPointer(outputs + r * width + i)
                a0 = a0.addingProduct(w, src.loadUnaligned(as: V.self))
                a1 = a1.addingProduct(w, src.loadUnaligned(fromByteOffset: 64, as: V.self))
                a2 = a2.addingProduct(w, src.loadUnaligned(fromByteOffset: 128, as: V.self))
                a3 = a3.addingProduct(w, src.loadUnaligned(fromByteOffset: 192, as: V.self))
            }
            o.storeBytes(of: a0, as: V.self)
            o.storeBytes(of: a1, toByteOffset: 64, as: V.self)
            o.storeBytes(of: a2, toByteOffset: 128, as: V.self)
            o.storeBytes(of: a3, toByteOffset: 192, as: V.self)
            i += 64
        }
        if i < width {
            for j in 0..<k {
                let r = Int(rows[j])
                axpy(weights[r], outputs + r * width + i, out + i, count: width - i)
            }
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

    /// Reads one vector per 64-byte line of `floats` values with eight independent sums: brings an
    /// expert's weight matrix into L2 at streaming bandwidth (many misses in flight) before the matmul,
    /// whose dependent FMA chains would otherwise wait on DRAM latency. Returns the (meaningless) sum.
    @inline(__always)
    static func prefetch(_ p: UnsafePointer<Float>, floats: Int) -> Float {
        typealias V = SIMD16<Float>
        var a = InlineArray<8, V>(repeating: V())
        var i = 0
        while i + 128 <= floats {
            for u in 0..<8 { a[u] += UnsafeRawPointer(p + i + 16 * u).loadUnaligned(as: V.self) }
            i += 128
        }
        var s = V()
        for u in 0..<8 { s += a[u] }
        return s.sum()
    }
}
