// Quantized matmul — API stability note (for the inference core and other callers):
//
// STABLE: `QuantFormat` (cases, ggml ids, block geometry), `QuantizedMatrix` and
// `QuantizedMatrixError` (wrapping GGUF block bytes, validation before any work), `QuantMatmulOutput`,
// `QuantMatmul.run(m:x:ldx:outputs:params:pool:)` and its one-matrix form, `QuantMatmul.reference`,
// `QuantReference.dequantize`, `QuantMatmul.analyticalDefault(m:n:k:format:on:)` and
// `QuantMatmul.family(_:)` ("matmul.<format>", e.g. "matmul.q4_k").
// MAY CHANGE: the parameter names and values of `QuantMatmulParams` (tuned configs carry them as a
// `ParameterSet`; always obtain them from `analyticalDefault` or a tuned config, never spell them out)
// and everything internal (tiles, chunk layouts).

/// One matrix of a (possibly fused) quantized matmul call and where its result goes:
/// y[M × weights.rows] with leading dimension `ldy` ≥ weights.rows.
public struct QuantMatmulOutput: @unchecked Sendable {
    public var weights: QuantizedMatrix
    public var y: UnsafeMutablePointer<Float>
    public var ldy: Int

    public init(weights: QuantizedMatrix, y: UnsafeMutablePointer<Float>, ldy: Int) {
        self.weights = weights; self.y = y; self.ldy = ldy
    }
}

/// y[M×N] = x[M×K] · Wᵀ with W [N×K] kept in a GGML block format (`QuantizedMatrix`).
///
/// **Fused calls.** `run(m:x:ldx:outputs:...)` takes several weight matrices that share the input x
/// (attention q/k/v, MLP gate/up): every output i gets yᵢ = x · Wᵢᵀ, the activations are quantized once
/// and the threads split the concatenated output rows Σ Nᵢ, so one call replaces three (or two). The
/// matrices must have the same K (`cols`); their formats and row counts may differ (a Q4_K_M file mixes
/// Q4_K and Q6_K). The parameter set is the one tuned for the fused shape M × ΣNᵢ × K (family of the
/// first matrix's format).
///
/// **Paths.** Decode (`path` 0, M ≤ 64, tuned for M ≤ 16): weights stream from memory once per call;
/// with `act` 0 the activations are quantized to int8 (per 32 values; per 256 for Q4_K, like llama.cpp's
/// Q8_K) and multiplied in integer: `isa` 2 with `vpdpbusd` (AVX-512 VNNI), `isa` 1 with `vpmaddubsw` +
/// `vpmaddwd` (AVX2; Q4_0, Q4_1, Q5_0, Q4_K — other formats of a call run with FP32 activations there).
/// With `act` 1 they stay FP32 and the weights are dequantized in registers (`isa` 2) or by the portable
/// kernel (`isa` 1 and 0). An `isa` the CPU lacks is refused (`unsupported`). Prefill (`path` 1): blocked
/// FP32 GEMM fed by dequantized packed panels.
///
/// **Accuracy** (relative to Σ|xᵢ·wᵢ| of an output, weights as dequantized by `QuantReference`):
/// FP32 activations: K·2⁻²³ (FP32 summation); int8 activations: additionally ≤ 1/254 per value
/// (each value of x is within max|x|/254 of its int8 image, the max over its 32-value block, or its
/// 256-value super-block for Q4_K), which the tests bound as
/// max error ≤ 0.01·√K·rms|x|·rms|w|-scaled; see `QuantMatmulInstance.verify` for the exact bounds.
///
/// Threading: `params.threads` ≤ `pool.threadCount`; the call uses the pool's scratch arena and does not
/// allocate in steady state.
public enum QuantMatmul {
    /// The group id of the `matmul.<format>` families, for errors raised before a format is known.
    public static let familyPrefix = KernelFamilyID.matmulQuantized.rawValue

    /// The kernel family of matrices of `format` (its tuned parameters apply to them): the contract's id.
    public static func family(_ format: QuantFormat) -> KernelFamilyID { format.shapeType.family }

    /// Tiles (SIMD width in floats, MR, NR) the prefill path is specialized for.
    public static let prefillTiles: [(lanes: Int, mr: Int, nr: Int)] = [
        (16, 8, 32), (16, 6, 32), (16, 12, 32), (8, 6, 16), (8, 8, 16), (4, 8, 8),
    ]

    /// Computes y = x · Wᵀ for one matrix.
    public static func run(m: Int, x: UnsafePointer<Float>, ldx: Int, weights: QuantizedMatrix,
                           y: UnsafeMutablePointer<Float>, ldy: Int,
                           params: QuantMatmulParams, pool: WorkerPool) throws(KernelError) {
        try run(m: m, x: x, ldx: ldx, outputs: [QuantMatmulOutput(weights: weights, y: y, ldy: ldy)],
                params: params, pool: pool)
    }

    /// Computes yᵢ = x · Wᵢᵀ for every output (see the type's notes on fused calls). Throws before any
    /// work when the shapes, strides or parameters are invalid, or the CPU lacks what they ask for.
    public static func run(m: Int, x: UnsafePointer<Float>, ldx: Int, outputs: [QuantMatmulOutput],
                           params: QuantMatmulParams, pool: WorkerPool) throws(KernelError) {
        try validate(m: m, ldx: ldx, outputs: outputs, params: params, pool: pool)
        if params.path == 1 {
            for o in outputs { prefill(m: m, x: x, ldx: ldx, output: o, params: params, pool: pool) }
        } else {
            decode(m: m, x: x, ldx: ldx, outputs: outputs, params: params, pool: pool)
        }
    }

    /// The checks `run` performs.
    public static func validate(m: Int, ldx: Int, outputs: [QuantMatmulOutput], params: QuantMatmulParams,
                                pool: WorkerPool, cpu: QuantCPU = .host) throws(KernelError) {
        let name = outputs.first.map { family($0.weights.format).rawValue } ?? familyPrefix
        var bad: [String] = []
        guard let first = outputs.first else { throw .invalidShape(kernel: name, reason: "no output matrices") }
        let k = first.weights.cols
        if m < 1 { bad.append("M must be at least 1, got \(m)") }
        if ldx < k { bad.append("ldx=\(ldx) is smaller than K=\(k)") }
        for (i, o) in outputs.enumerated() {
            if o.weights.cols != k { bad.append("output \(i) has K=\(o.weights.cols), output 0 has K=\(k)") }
            if o.ldy < o.weights.rows { bad.append("output \(i): ldy=\(o.ldy) is smaller than N=\(o.weights.rows)") }
        }
        if params.path == 0 && m > 64 { bad.append("the decode path (path=0) takes M ≤ 64, got \(m)") }
        if !bad.isEmpty { throw .invalidShape(kernel: name, reason: bad.joined(separator: "; ")) }
        if params.threads > pool.threadCount {
            throw .invalidParameters(kernel: name, params: params.description,
                                     violations: ["threads=\(params.threads) exceeds the pool's \(pool.threadCount) threads"])
        }
        if params.path == 0 && params.act == 0 {
            if let f = outputs.first(where: { !$0.weights.format.hasIntegerValues })?.weights.format {
                throw .invalidParameters(kernel: name, params: params.description,
                                         violations: ["act=0 (int8 activations) needs an integer format; \(f) takes act=1"])
            }
        }
        if params.path == 0 && !cpu.supports(isa: params.isa, integer: params.act == 0) {
            let need = params.isa == 2 ? (params.act == 0 ? "AVX-512 F+BW+VL+VNNI (vpdpbusd)" : "AVX-512 F+BW+VL")
                : "AVX2 with FMA and F16C"
            throw .unsupported(kernel: name, reason: "isa=\(params.isa) act=\(params.act) needs \(need), which this CPU lacks")
        }
        if params.path == 1 && params.lanes > cpu.maxLanes {
            throw .unsupported(kernel: name, reason: "lanes=\(params.lanes) but this CPU executes at most \(cpu.maxLanes) Float lanes")
        }
    }

    /// The oracle: each row dequantized with `QuantReference`, then the FP32 reference matmul
    /// (`Matmul.reference`, Double accumulation). Single-threaded; allocates N×K floats.
    public static func reference(m: Int, x: UnsafePointer<Float>, ldx: Int, weights w: QuantizedMatrix,
                                 y: UnsafeMutablePointer<Float>, ldy: Int) {
        let dense = UnsafeMutablePointer<Float>.allocate(capacity: w.rows * w.cols)
        defer { dense.deallocate() }
        for r in 0..<w.rows { w.dequantizeRow(r, into: dense + r * w.cols) }
        Matmul.reference(m: m, n: w.rows, k: w.cols, a: x, lda: ldx, b: dense, ldb: w.cols, bLayout: .nk,
                         c: y, ldc: ldy, accumulate: false)
    }

    // MARK: - Paths

    /// `cpu` (tests): what the kernels may use; an `isa` the CPU lacks runs the portable decode kernel.
    static func decode(m: Int, x: UnsafePointer<Float>, ldx: Int, outputs: [QuantMatmulOutput],
                       params: QuantMatmulParams, pool: WorkerPool, cpu: QuantCPU = .host) {
        let k = outputs[0].weights.cols
        let isa = cpu.supports(isa: params.isa, integer: params.act == 0) ? params.isa : 0
        let integer = params.act == 0 && isa > 0
        // The activation layouts this call's formats read (a fused call may mix Q4_K and Q6_K).
        var kinds = QuantDecodeKind.Set()
        for o in outputs { kinds.insert(QuantDecodeKind(o.weights.format, isa: isa, integer: integer)) }
        let chunkBytes = kinds.contains(.chunks) ? QuantActivationsLayout.bytes(m: m, k: k) : 0
        let b32Bytes = kinds.contains(.blocks32) ? m * QuantActivationBlocks.rowBytes32(k: k) : 0
        let b256Bytes = kinds.contains(.blocks256) ? m * QuantActivationBlocks.rowBytes256(k: k) : 0
        // Tasks are `per` consecutive rows of the outputs' rows concatenated (a task may end one matrix
        // and start the next), so a fused call splits like one matrix of Σ Nᵢ rows: with the seed's one
        // task per thread each thread streams one contiguous range and its prefetches stay its own.
        let per = max(params.su, (params.rn + params.su - 1) / params.su * params.su)
        var total = 0
        for o in outputs { total += o.weights.rows }
        let tasks = (total + per - 1) / per
        pool.scratch.withScratch(bytes: chunkBytes + b32Bytes + b256Bytes + 64) { raw in
            var act = QuantDecodeActivations()
            #if arch(x86_64)
            if chunkBytes > 0 { act.chunks = QuantActivations.quantize(m: m, k: k, x: x, ldx: ldx, into: raw) }
            #endif
            if b32Bytes > 0 {
                act.blocks32 = QuantActivationBlocks.quantize32(m: m, k: k, x: x, ldx: ldx, into: raw + chunkBytes)
            }
            if b256Bytes > 0 {
                act.blocks256 = QuantActivationBlocks.quantize256(m: m, k: k, x: x, ldx: ldx, interleaved: isa == 2,
                                                                  into: raw + chunkBytes + b32Bytes)
            }
            let settled = act
            let body = { (t: Int) in
                let lo = t * per, hi = min(total, lo + per)
                var base = 0   // first concatenated row of output o
                for o in outputs {
                    let rows = o.weights.rows
                    let r0 = max(lo, base) - base, r1 = min(hi, base + rows) - base
                    if r0 < r1 {
                        let p = QuantDecodeProblem(m: m, x: x, ldx: ldx, w: o.weights, y: o.y, ldy: o.ldy,
                                                   prefetchBytes: params.pf)
                        #if arch(x86_64)
                        QuantDecodeDispatch.run(p, QuantDecodeKind(o.weights.format, isa: isa, integer: integer),
                                                settled, range: r0..<r1, sr: params.sr, su: params.su)
                        #else
                        QuantPortableDecode.rows(p, r0..<r1)
                        #endif
                    }
                    base += rows
                    if base >= hi { return }
                }
            }
            if params.threads == 1 || tasks == 1 {
                for t in 0..<tasks { body(t) }
            } else {
                pool.parallelFor(tasks, threads: params.threads) { t, _ in body(t) }
            }
        }
    }

    /// Whether the AVX2 decode path has an int8-activation kernel for `format` (the others run with FP32
    /// activations on that path).
    public static func hasAVX2IntegerKernel(_ format: QuantFormat) -> Bool {
        switch format {
        case .q4_0, .q4_1, .q5_0, .q4_K: return true
        default: return false
        }
    }

    static func prefill(m: Int, x: UnsafePointer<Float>, ldx: Int, output: QuantMatmulOutput,
                        params: QuantMatmulParams, pool: WorkerPool, cpu: QuantCPU = .host) {
        let fast = cpu.avx512
        switch (params.lanes, params.mr, params.nr) {
        case (16, 6, 32): QuantPrefill<SIMD16<Float>, 6, 2>.run(m: m, x: x, ldx: ldx, output: output, params: params, pool: pool, fast: fast)
        case (16, 12, 32): QuantPrefill<SIMD16<Float>, 12, 2>.run(m: m, x: x, ldx: ldx, output: output, params: params, pool: pool, fast: fast)
        case (8, 6, 16): QuantPrefill<SIMD8<Float>, 6, 2>.run(m: m, x: x, ldx: ldx, output: output, params: params, pool: pool, fast: fast)
        case (8, 8, 16): QuantPrefill<SIMD8<Float>, 8, 2>.run(m: m, x: x, ldx: ldx, output: output, params: params, pool: pool, fast: fast)
        case (4, 8, 8): QuantPrefill<SIMD4<Float>, 8, 2>.run(m: m, x: x, ldx: ldx, output: output, params: params, pool: pool, fast: fast)
        default: QuantPrefill<SIMD16<Float>, 8, 2>.run(m: m, x: x, ldx: ldx, output: output, params: params, pool: pool, fast: fast)
        }
    }
}

/// Bytes of the int8 activation buffer (any architecture).
enum QuantActivationsLayout {
    static func bytes(m: Int, k: Int) -> Int { m * ((k + 63) / 64) * 192 }
}

/// What the quantized kernels may use on a CPU: the AVX-512 register dequantizers (F, BW, VL), the
/// AVX-512 integer dot product (VNNI), AVX2 (with FMA and F16C: the 256-bit `vpmaddubsw` kernels), and
/// the widest FP32 SIMD width. Tests pass other values to check refusal and to run narrower paths.
public struct QuantCPU: Sendable, Equatable {
    public var avx512: Bool
    public var integerDot: Bool
    public var avx2: Bool
    public var maxLanes: Int

    /// A CPU without AVX2 (or one whose AVX2 the caller does not want used).
    public init(avx512: Bool, integerDot: Bool, maxLanes: Int) {
        self.init(avx512: avx512, integerDot: integerDot, avx2: false, maxLanes: maxLanes)
    }

    public init(avx512: Bool, integerDot: Bool, avx2: Bool, maxLanes: Int) {
        self.avx512 = avx512; self.integerDot = integerDot; self.avx2 = avx2; self.maxLanes = maxLanes
    }

    /// Whether the decode kernels of `isa` (`QuantMatmulParams.isa`) run here, with int8 activations
    /// when `integer`.
    public func supports(isa: Int, integer: Bool) -> Bool {
        switch isa {
        case 2: return avx512 && (!integer || integerDot)
        case 1: return avx2
        case 0: return !integer
        default: return false
        }
    }

    /// The widest decode instruction set here: 2 with AVX-512 VNNI, else 1 with AVX2, else 0.
    public var bestISA: Int { avx512 && integerDot ? 2 : (avx2 ? 1 : (avx512 ? 2 : 0)) }

    /// Whether int8 activations are possible for `format` on this CPU (some ISA has its kernel).
    public func integerPath(_ format: QuantFormat) -> Bool {
        format.hasIntegerValues && (integerDot || (avx2 && QuantMatmul.hasAVX2IntegerKernel(format)))
    }

    /// Read once from /proc/cpuinfo.
    public static let host: QuantCPU = {
        #if arch(x86_64)
        let f = HostCPU.cpuFlags()
        let avx512 = f.contains("avx512f") && f.contains("avx512bw") && f.contains("avx512vl") && f.contains("f16c")
        let avx2 = f.contains("avx2") && f.contains("fma") && f.contains("f16c")
        return QuantCPU(avx512: avx512, integerDot: avx512 && f.contains("avx512_vnni"), avx2: avx2, maxLanes: HostCPU.maxSIMDLanes)
        #else
        return QuantCPU(avx512: false, integerDot: false, avx2: false, maxLanes: HostCPU.maxSIMDLanes)
        #endif
    }()
}
