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

/// Picks the specialization for (kernel kind, format, sr, su). Called once per task.
enum QuantDecodeDispatch {
    static func run(_ p: QuantDecodeProblem, _ kind: QuantDecodeKind, _ act: QuantDecodeActivations,
                    range: Range<Int>, sr: Int, su: Int) {
        switch kind {
        case .blocks32:
            guard let a = act.blocks32 else { break }
            switch p.w.format {
            case .q4_0: QuantDecodeBlocks.block32Rows(Q4_0Kernel.self, p, a, range, sr: sr, su: su)
            case .q4_1: QuantDecodeBlocks.block32Rows(Q4_1Kernel.self, p, a, range, sr: sr, su: su)
            case .q5_0: QuantDecodeBlocks.block32Rows(Q5_0Kernel.self, p, a, range, sr: sr, su: su)
            default: QuantPortableDecode.rows(p, range)
            }
            return
        case .blocks256:
            guard let a = act.blocks256 else { break }
            QuantDecodeBlocks.q4kRows(p, a, range, sr: sr, su: su)
            return
        case .avx2Blocks32:
            guard let a = act.blocks32 else { break }
            switch p.w.format {
            case .q4_0: QuantDecodeBlocks.avx2Block32Rows(Q4_0Kernel.self, p, a, range, sr: sr, su: su)
            case .q4_1: QuantDecodeBlocks.avx2Block32Rows(Q4_1Kernel.self, p, a, range, sr: sr, su: su)
            case .q5_0: QuantDecodeBlocks.avx2Block32Rows(Q5_0Kernel.self, p, a, range, sr: sr, su: su)
            default: QuantPortableDecode.rows(p, range)
            }
            return
        case .avx2Blocks256:
            guard let a = act.blocks256 else { break }
            QuantDecodeBlocks.avx2Q4KRows(p, a, range, sr: sr, su: su)
            return
        case .chunks:
            guard let a = act.chunks else { break }
            switch p.w.format {
            case .q8_0: QuantDecodeTiles.intRows(Q8_0Kernel.self, p, a, range, sr: sr, su: su)
            case .q4_0: QuantDecodeTiles.intRows(Q4_0Kernel.self, p, a, range, sr: sr, su: su)
            case .q4_1: QuantDecodeTiles.intRows(Q4_1Kernel.self, p, a, range, sr: sr, su: su)
            case .q5_0: QuantDecodeTiles.intRows(Q5_0Kernel.self, p, a, range, sr: sr, su: su)
            case .q4_K: QuantDecodeTiles.intRows(Q4_KKernel.self, p, a, range, sr: sr, su: su)
            case .q6_K: QuantDecodeTiles.intRows(Q6_KKernel.self, p, a, range, sr: sr, su: su)
            default: QuantPortableDecode.rows(p, range)
            }
            return
        case .float512:
            switch p.w.format {
            case .q8_0: QuantDecodeTiles.floatRows(Q8_0Kernel.self, p, range, sr: sr, su: su)
            case .q4_0: QuantDecodeTiles.floatRows(Q4_0Kernel.self, p, range, sr: sr, su: su)
            case .q4_1: QuantDecodeTiles.floatRows(Q4_1Kernel.self, p, range, sr: sr, su: su)
            case .q5_0: QuantDecodeTiles.floatRows(Q5_0Kernel.self, p, range, sr: sr, su: su)
            case .q4_K: QuantDecodeTiles.floatRows(Q4_KKernel.self, p, range, sr: sr, su: su)
            case .q6_K: QuantDecodeTiles.floatRows(Q6_KKernel.self, p, range, sr: sr, su: su)
            case .f16: QuantDecodeTiles.floatRows(F16Kernel.self, p, range, sr: sr, su: su)
            case .bf16: QuantDecodeTiles.floatRows(BF16Kernel.self, p, range, sr: sr, su: su)
            }
            return
        case .portable:
            break
        }
        QuantPortableDecode.rows(p, range)
    }
}
#endif

/// Which decode kernel serves one weight matrix of a call, from its format, the call's `isa` (already
/// checked against the CPU) and whether the activations are int8.
enum QuantDecodeKind: Int {
    /// AVX-512 VNNI block kernels: 4/5-bit 32-value formats (Q4_0, Q4_1, Q5_0) / Q4_K in integer.
    case blocks32, blocks256
    /// AVX2 block kernels: Q4_0, Q4_1, Q5_0 / Q4_K.
    case avx2Blocks32, avx2Blocks256
    /// AVX-512 VNNI per-64-value chunk tiles (Q8_0, Q6_K) and the AVX-512 FP32-activation tiles.
    case chunks, float512
    /// Reference dequantization + SIMD dot products (any CPU, FP32 activations).
    case portable

    init(_ format: QuantFormat, isa: Int, integer: Bool) {
        switch (isa, integer, format) {
        case (2, true, .q4_0), (2, true, .q4_1), (2, true, .q5_0): self = .blocks32
        case (2, true, .q4_K): self = .blocks256
        case (2, true, .q8_0), (2, true, .q6_K): self = .chunks
        case (2, _, _): self = .float512
        case (1, true, .q4_0), (1, true, .q4_1), (1, true, .q5_0): self = .avx2Blocks32
        case (1, true, .q4_K): self = .avx2Blocks256
        default: self = .portable
        }
    }

    /// A set of kinds (the layouts one call quantizes its activations into).
    struct Set {
        private var bits = 0
        mutating func insert(_ k: QuantDecodeKind) { bits |= 1 << k.rawValue }
        func contains(_ layout: Layout) -> Bool {
            switch layout {
            case .chunks: return bits & (1 << QuantDecodeKind.chunks.rawValue) != 0
            case .blocks32: return bits & (1 << QuantDecodeKind.blocks32.rawValue | 1 << QuantDecodeKind.avx2Blocks32.rawValue) != 0
            case .blocks256: return bits & (1 << QuantDecodeKind.blocks256.rawValue | 1 << QuantDecodeKind.avx2Blocks256.rawValue) != 0
            }
        }
    }

    /// The int8 activation layouts.
    enum Layout { case chunks, blocks32, blocks256 }
}

/// The activations of one decode call in the layouts its kernels read (nil: not needed).
struct QuantDecodeActivations: @unchecked Sendable {
    #if arch(x86_64)
    var chunks: QuantActivations? = nil
    #endif
    var blocks32: QuantActivationBlocks? = nil
    var blocks256: QuantActivationBlocks? = nil
}

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
