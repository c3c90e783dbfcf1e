/// One registered micro-kernel: its stable id, tile shape and SIMD width, and the blocked matmul driver
/// specialized for it (the only indirect call of a matmul happens here, once per `Matmul.run`).
public struct MicroKernel: Sendable {
    /// Stable name used in reports and configs, e.g. "matmul.f32.simd16.8x32".
    public let id: String
    public let lanes: Int
    public let mr: Int
    public let nr: Int
    let blocked: @Sendable (MatmulProblem, MatmulParams, WorkerPool) -> Void

    /// Registers `tile`: the generic driver is specialized for it here, at compile time.
    public init<V: SIMD & SendableMetatype, let MR: Int, let NV: Int>(_ tile: RegisterTile<V, MR, NV>.Type)
    where V.Scalar == Float {
        lanes = V.scalarCount
        mr = MR
        nr = NV * V.scalarCount
        id = "matmul.f32.simd\(V.scalarCount).\(MR)x\(NV * V.scalarCount)"
        blocked = { problem, params, pool in BlockedMatmul<V, MR, NV>.run(problem, params, pool) }
    }
}

/// Every micro-kernel the blocked matmul can use. Adding a tile shape or SIMD width is one line here;
/// the search space offers exactly these (filtered by the machine's SIMD width).
///
/// AVX-512 has 32 zmm registers: MR·NV accumulators + NV loads of B + 1 broadcast must fit, and the BLIS
/// model wants MR·NR ≥ lanes × FMA latency × FMA pipes (16·4·2 = 128 on Zen 5) to hide the FMA latency.
public enum MicroKernelRegistry {
    public static let all: [MicroKernel] = [
        MicroKernel(RegisterTile<SIMD16<Float>, 8, 2>.self),    // 16 accumulators; the usual winner
        MicroKernel(RegisterTile<SIMD16<Float>, 6, 2>.self),    // 12 accumulators (BLIS haswell-style)
        MicroKernel(RegisterTile<SIMD16<Float>, 12, 2>.self),   // 24 accumulators, fewer B reloads
        MicroKernel(RegisterTile<SIMD16<Float>, 4, 4>.self),    // wide: 4×64
        MicroKernel(RegisterTile<SIMD16<Float>, 16, 1>.self),   // tall: 16×16
        MicroKernel(RegisterTile<SIMD8<Float>, 6, 2>.self),     // AVX2-class 6×16
        MicroKernel(RegisterTile<SIMD8<Float>, 8, 2>.self),
        MicroKernel(RegisterTile<SIMD8<Float>, 12, 2>.self),
        MicroKernel(RegisterTile<SIMD4<Float>, 8, 2>.self),     // SSE/NEON-class 8×8
        MicroKernel(RegisterTile<SIMD4<Float>, 6, 4>.self),
    ]

    /// The kernel with this width and tile, if registered.
    public static func kernel(lanes: Int, mr: Int, nr: Int) -> MicroKernel? {
        all.first { $0.lanes == lanes && $0.mr == mr && $0.nr == nr }
    }

    /// Kernels this CPU can run.
    public static func available(maxLanes: Int) -> [MicroKernel] { all.filter { $0.lanes <= maxLanes } }
}
