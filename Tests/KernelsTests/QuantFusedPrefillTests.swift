import Testing
@testable import Kernels

/// Fused calls at prefill sizes (the inference core's q/k/v and gate/up calls of a 37-token chat prompt):
/// every output of one `QuantMatmul.run` against `QuantMatmul.reference` (QuantReference dequantize, then
/// the FP32 reference matmul), on both paths, with outputs written at the strides the forward pass uses.
@Suite struct QuantFusedPrefillTests {
    let pool = WorkerPool(threads: 2)
    let traits = MachineTraits.host()

    func fusedCall(_ formats: [QuantFormat], rows: [Int], k: Int, m: Int, path: Int?) throws {
        let storages = try formats.enumerated().map { i, f in
            try QuantizedMatrixStorage(format: f, rows: rows[i], cols: k, copies: 1, seed: UInt64(11 + i))
        }
        var random = SplitMix64(seed: 77)
        let x = (0..<(m * k)).map { _ in random.symmetric() }
        var outs = rows.map { [Float](repeating: .nan, count: m * $0) }
        let n = rows.reduce(0, +)
        var p = QuantMatmul.analyticalDefault(m: m, n: n, k: k, format: formats[0], on: traits)
        if let path { p["path"] = path }
        let params = try QuantMatmulParams(p)
        try x.withUnsafeBufferPointer { xb in
            let ptrs: [UnsafeMutablePointer<Float>] = rows.map { .allocate(capacity: m * $0) }
            defer { ptrs.forEach { $0.deallocate() } }
            for (i, r) in rows.enumerated() { ptrs[i].initialize(repeating: .nan, count: m * r) }
            let outputs = storages.enumerated().map { i, s in QuantMatmulOutput(weights: s.matrix(copy: 0), y: ptrs[i], ldy: rows[i]) }
            var rowsDone = 0
            while rowsDone < m {
                let slice = params.path == 0 ? min(64, m - rowsDone) : m
                let sliced = outputs.map { QuantMatmulOutput(weights: $0.weights, y: $0.y + rowsDone * $0.ldy, ldy: $0.ldy) }
                try QuantMatmul.run(m: slice, x: xb.baseAddress! + rowsDone * k, ldx: k, outputs: sliced, params: params, pool: pool)
                rowsDone += slice
            }
            for i in rows.indices { outs[i] = Array(UnsafeBufferPointer(start: ptrs[i], count: m * rows[i])) }
        }
        for (i, s) in storages.enumerated() {
            var ref = [Float](repeating: 0, count: m * rows[i])
            x.withUnsafeBufferPointer { xb in
                ref.withUnsafeMutableBufferPointer { rb in
                    QuantMatmul.reference(m: m, x: xb.baseAddress!, ldx: k, weights: s.matrix(copy: 0), y: rb.baseAddress!, ldy: rows[i])
                }
            }
            var worst = 0.0, scale = 0.0
            for j in 0..<(m * rows[i]) { scale = max(scale, Double(abs(ref[j]))) }
            for j in 0..<(m * rows[i]) {
                let e = outs[i][j].isFinite ? Double(abs(outs[i][j] - ref[j])) : .infinity
                worst = max(worst, e)
            }
            // int8 activations round each value to within max|x|/254 of its block; FP32 summation is far tighter.
            let tol = (params.path == 0 && params.act == 0 ? 0.02 : 1e-4) * max(1, scale)
            #expect(worst <= tol, "\(formats) output \(i) m=\(m) path=\(params.path): max error \(worst) (scale \(scale))")
        }
    }

    @Test("SmolLM2's q/k/v and gate/up at 37 rows (Q4_1), both paths")
    func smolLM2ChatPrefill() throws {
        for path in [nil, 0, 1] as [Int?] {
            try fusedCall([.q4_1, .q4_1, .q4_1], rows: [576, 192, 192], k: 576, m: 37, path: path)
            try fusedCall([.q4_1, .q4_1], rows: [1536, 1536], k: 576, m: 37, path: path)
        }
    }

    @Test("mixed formats in one fused call and more rows than the decode path takes")
    func mixedFormats() throws {
        try fusedCall([.q4_K, .q4_K, .q6_K], rows: [128, 32, 32], k: 512, m: 37, path: nil)
        try fusedCall([.q5_0, .q8_0], rows: [64, 96], k: 96, m: 100, path: 0)
        try fusedCall([.q4_0, .q8_0], rows: [64, 96], k: 96, m: 100, path: 1)
    }
}
