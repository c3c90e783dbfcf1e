/// An 8×8 FP32 transpose in registers: eight row loads, three rounds of perfect unshuffles (which LLVM
/// lowers to `vpermi2ps`/`vshufps`), eight column stores. Used by packing wherever the packed panel runs
/// across the source's rows (A into MR-row panels, an [N×K] weight into NR-column panels): about half the
/// instructions of extracting and storing each element on its own.
@inline(__always)
func transpose8x8(_ src: UnsafePointer<Float>, _ ldSrc: Int, _ dst: UnsafeMutablePointer<Float>, _ ldDst: Int) {
    @inline(__always) func row(_ i: Int) -> SIMD8<Float> {
        UnsafeRawPointer(src + i * ldSrc).loadUnaligned(as: SIMD8<Float>.self)
    }
    @inline(__always) func unshuffle(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> (SIMD8<Float>, SIMD8<Float>) {
        (SIMD8(lowHalf: a.evenHalf, highHalf: b.evenHalf), SIMD8(lowHalf: a.oddHalf, highHalf: b.oddHalf))
    }
    var v = (row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7))
    for _ in 0..<3 {
        let (e0, o0) = unshuffle(v.0, v.1)
        let (e1, o1) = unshuffle(v.2, v.3)
        let (e2, o2) = unshuffle(v.4, v.5)
        let (e3, o3) = unshuffle(v.6, v.7)
        v = (e0, e1, e2, e3, o0, o1, o2, o3)
    }
    @inline(__always) func store(_ i: Int, _ x: SIMD8<Float>) {
        UnsafeMutableRawPointer(dst + i * ldDst).storeBytes(of: x, as: SIMD8<Float>.self)
    }
    store(0, v.0); store(1, v.1); store(2, v.2); store(3, v.3)
    store(4, v.4); store(5, v.5); store(6, v.6); store(7, v.7)
}
