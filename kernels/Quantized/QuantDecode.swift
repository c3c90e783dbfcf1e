/// The operands of one decode-path call on one weight matrix, already validated.
struct QuantDecodeProblem: @unchecked Sendable {
    var m: Int
    var x: UnsafePointer<Float>, ldx: Int
    var w: QuantizedMatrix
    var y: UnsafeMutablePointer<Float>, ldy: Int
    /// Bytes ahead of the current chunk to prefetch in each weight row (0: none).
    var prefetchBytes: Int
}

#if arch(x86_64)
import CX86

/// The decode tiles (QuantDecodeTiles.generated.swift) per 64-value chunk: each of U weight rows is
/// unpacked once into registers (`IntChunk`, or 4 FP32 vectors), then each of R activation rows uses it —
/// int8 mode: one `vpdpbusd` per (row, weight row), folded into an FP32 accumulator with its block scales,
/// acc += float(Σ u·q)·da·dw + sa·cw; FP32 mode: 4 FMAs. The weights stream from memory once per tile;
/// the activations and the U weight rows stay in L1 for the following row groups.
enum QuantDecodeTail {
    /// FP32 mode: adds the last K mod 64 values (reference-dequantized) of weight rows n ..< n+rows to
    /// the outputs of activation rows m0 ..< m0+count.
    static func add(_ p: QuantDecodeProblem, n: Int, rows: Int, m0: Int, count: Int) {
        let format = p.w.format
        let full = p.w.cols / 64 * 64, tail = p.w.cols - full
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 64) { buf in
            guard let t = buf.baseAddress else { return }
            for u in 0..<rows {
                let src = p.w.data + (n + u) * p.w.rowBytes + full / format.blockElements * format.blockBytes
                QuantReference.dequantize(format, src, count: tail, into: t)
                for r in m0..<(m0 + count) {
                    let x = p.x + r * p.ldx + full
                    var s: Float = 0
                    for i in 0..<tail { s += x[i] * t[i] }
                    p.y[r * p.ldy + n + u] += s
                }
            }
        }
    }
}

/// Picks the specialization for (format, mode, sr, su). Called once per task.
enum QuantDecodeDispatch {
    static func run(_ p: QuantDecodeProblem, act: QuantActivations?, range: Range<Int>, sr: Int, su: Int) {
        switch p.w.format {
        case .q8_0: integer(Q8_0Kernel.self, p, act, range, sr, su)
        case .q4_0: integer(Q4_0Kernel.self, p, act, range, sr, su)
        case .q4_1: integer(Q4_1Kernel.self, p, act, range, sr, su)
        case .q5_0: integer(Q5_0Kernel.self, p, act, range, sr, su)
        case .q4_K: integer(Q4_KKernel.self, p, act, range, sr, su)
        case .q6_K: integer(Q6_KKernel.self, p, act, range, sr, su)
        case .f16: float(F16Kernel.self, p, range, sr, su)
        case .bf16: float(BF16Kernel.self, p, range, sr, su)
        }
    }

    @inline(__always)
    static func integer<F: IntQuantKernelFormat>(_: F.Type, _ p: QuantDecodeProblem, _ act: QuantActivations?,
                                                 _ range: Range<Int>, _ sr: Int, _ su: Int) {
        guard let act else { float(F.self, p, range, sr, su); return }
        QuantDecodeTiles.intRows(F.self, p, act, range, sr: sr, su: su)
    }

    @inline(__always)
    static func float<F: QuantKernelFormat>(_: F.Type, _ p: QuantDecodeProblem, _ range: Range<Int>, _ sr: Int, _ su: Int) {
        QuantDecodeTiles.floatRows(F.self, p, range, sr: sr, su: su)
    }
}
#endif

/// The decode path on any CPU: each weight row dequantized with the reference code into a K-float
/// buffer, then plain SIMD dot products with every activation row. Correct everywhere; the AVX-512
/// tiles above replace it where the CPU has them.
enum QuantPortableDecode {
    static func rows(_ p: QuantDecodeProblem, _ range: Range<Int>) {
        let k = p.w.cols
        withUnsafeTemporaryAllocation(of: Float.self, capacity: k) { buf in
            guard let t = buf.baseAddress else { return }
            for n in range {
                QuantReference.dequantize(p.w.format, p.w.data + n * p.w.rowBytes, count: k, into: t)
                for r in 0..<p.m {
                    let x = p.x + r * p.ldx
                    var acc = SIMD8<Float>()
                    var i = 0
                    while i + 8 <= k {
                        acc = acc.addingProduct(UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self),
                                                UnsafeRawPointer(t + i).loadUnaligned(as: SIMD8<Float>.self))
                        i += 8
                    }
                    var s = horizontalSum(acc)
                    while i < k { s += x[i] * t[i]; i += 1 }
                    p.y[r * p.ldy + n] = s
                }
            }
        }
    }
}
