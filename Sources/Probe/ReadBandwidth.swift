/// The read-bandwidth microbenchmark: sums a buffer with 16 independent 16-lane accumulators (1 KiB per
/// iteration), so the loads, not the adds, are the limit.
enum ReadBandwidth {
    static let bytesPerIteration = 1024

    /// Reads `bytes` (a multiple of 1 KiB, 64-byte aligned) starting at `p`, `passes` times.
    @inline(never)
    static func run(_ p: UnsafeRawPointer, bytes: Int, passes: Int) -> Float {
        typealias V = SIMD16<Float>
        var a0 = V(), a1 = V(), a2 = V(), a3 = V(), a4 = V(), a5 = V(), a6 = V(), a7 = V()
        var a8 = V(), a9 = V(), a10 = V(), a11 = V(), a12 = V(), a13 = V(), a14 = V(), a15 = V()
        let iterations = bytes / bytesPerIteration
        for _ in 0..<passes {
            var q = p
            for _ in 0..<iterations {
                a0 += q.load(fromByteOffset: 0, as: V.self); a1 += q.load(fromByteOffset: 64, as: V.self)
                a2 += q.load(fromByteOffset: 128, as: V.self); a3 += q.load(fromByteOffset: 192, as: V.self)
                a4 += q.load(fromByteOffset: 256, as: V.self); a5 += q.load(fromByteOffset: 320, as: V.self)
                a6 += q.load(fromByteOffset: 384, as: V.self); a7 += q.load(fromByteOffset: 448, as: V.self)
                a8 += q.load(fromByteOffset: 512, as: V.self); a9 += q.load(fromByteOffset: 576, as: V.self)
                a10 += q.load(fromByteOffset: 640, as: V.self); a11 += q.load(fromByteOffset: 704, as: V.self)
                a12 += q.load(fromByteOffset: 768, as: V.self); a13 += q.load(fromByteOffset: 832, as: V.self)
                a14 += q.load(fromByteOffset: 896, as: V.self); a15 += q.load(fromByteOffset: 960, as: V.self)
                q += bytesPerIteration
            }
        }
        let s = (((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))) + (((a8 + a9) + (a10 + a11)) + ((a12 + a13) + (a14 + a15)))
        return s.sum()
    }
}
