/// Sum of a vector's lanes as a log₂(lanes)-deep tree of vector adds. The stdlib's `sum()` on a generic
/// SIMD type lowers to a serial chain of scalar adds through memory (16 dependent `vaddss` for SIMD16,
/// seen in the skinny kernel's disassembly); the tree is 4 shuffles + 4 adds.
@inline(__always)
func horizontalSum<V: SIMD>(_ v: V) -> Float where V.Scalar == Float {
    switch V.scalarCount {
    case 16:
        let x = unsafeBitCast(v, to: SIMD16<Float>.self)
        let y = x.lowHalf + x.highHalf
        let z = y.lowHalf + y.highHalf
        let w = z.lowHalf + z.highHalf
        return w[0] + w[1]
    case 8:
        let y = unsafeBitCast(v, to: SIMD8<Float>.self)
        let z = y.lowHalf + y.highHalf
        let w = z.lowHalf + z.highHalf
        return w[0] + w[1]
    case 4:
        let z = unsafeBitCast(v, to: SIMD4<Float>.self)
        let w = z.lowHalf + z.highHalf
        return w[0] + w[1]
    default:
        return v.sum()
    }
}
