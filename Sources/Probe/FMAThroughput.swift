/// The FMA microbenchmarks: peak throughput at a SIMD width, and a dependent chain for the clock estimate.
///
/// Peak: 12 independent accumulators (4-cycle FMA latency × 2 FMA pipes needs 8 in flight; 12 leaves margin
/// and still fits the 16 xmm/ymm or 32 zmm registers without spills). Each accumulator does
/// `acc = acc + b·c` with b·c tiny, so values stay finite and normal for any run length.
enum FMAThroughput {
    /// Fused multiply-adds per lane per unit of work (iterations × accumulators).
    static let iterationsPerUnit = 4096
    static let accumulators = 12

    /// Floating-point operations one unit performs at `lanes` lanes (2 per FMA lane).
    static func flopsPerUnit(lanes: Int) -> Double { Double(iterationsPerUnit * accumulators * lanes * 2) }

    /// Runs `units` units at the width of `V`; returns a value that depends on every FMA.
    @inline(never)
    static func run<V: SIMD>(_: V.Type, units: Int, seed: Float) -> Float where V.Scalar == Float {
        let b = V(repeating: 1e-3), c = V(repeating: seed)
        var a0 = V(repeating: seed), a1 = a0 + b, a2 = a1 + b, a3 = a2 + b, a4 = a3 + b, a5 = a4 + b
        var a6 = a5 + b, a7 = a6 + b, a8 = a7 + b, a9 = a8 + b, a10 = a9 + b, a11 = a10 + b
        for _ in 0..<(units * iterationsPerUnit) {
            a0 = a0.addingProduct(b, c); a1 = a1.addingProduct(b, c); a2 = a2.addingProduct(b, c)
            a3 = a3.addingProduct(b, c); a4 = a4.addingProduct(b, c); a5 = a5.addingProduct(b, c)
            a6 = a6.addingProduct(b, c); a7 = a7.addingProduct(b, c); a8 = a8.addingProduct(b, c)
            a9 = a9.addingProduct(b, c); a10 = a10.addingProduct(b, c); a11 = a11.addingProduct(b, c)
        }
        let s = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11))
        return s.sum()
    }

    /// Runs `units` units at `lanes` lanes (4, 8 or 16).
    static func run(lanes: Int, units: Int, seed: Float) -> Float {
        switch lanes {
        case 4: run(SIMD4<Float>.self, units: units, seed: seed)
        case 8: run(SIMD8<Float>.self, units: units, seed: seed)
        default: run(SIMD16<Float>.self, units: units, seed: seed)
        }
    }

    /// Dependent FMAs per unit of the clock chain.
    static let chainPerUnit = 65536

    /// One chain of dependent scalar FMAs: each waits for the previous, so the rate is clock / FMA latency.
    @inline(never)
    static func chain(units: Int, seed: Float) -> Float {
        var x = seed
        let b: Float = 0.999_999, c: Float = 1e-6
        for _ in 0..<(units * chainPerUnit) { x = c.addingProduct(x, b) }
        return x
    }
}
