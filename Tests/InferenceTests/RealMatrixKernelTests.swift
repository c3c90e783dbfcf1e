import Foundation
import Testing
import Inference
import Kernels
import Models

/// The quantized kernels on the real models' own blocks (scales, mins and sub-block scales as trained,
/// not as a random generator makes them), at the shapes and strides the forward pass uses: every
/// matrix of the first and last layer and the output matrix, fused the way `Transformer` fuses them,
/// against `QuantMatmul.reference` (QuantReference dequantization, FP32 math in Double).
@Suite("Quantized kernels on the real models' matrices", .serialized, .enabled(if: TestSupport.modelExists))
struct RealMatrixKernelTests {
    /// Row counts: decode, a short prompt on the decode path, the chat prompt on the prefill path.
    static let rowCounts = [1, 11, 37]

    func check(_ group: [WeightMatrix], m: Int, label: String) throws {
        let qs = group.compactMap { w -> QuantizedMatrix? in if case .quantized(let q) = w { return q } else { return nil } }
        try #require(qs.count == group.count, "\(label): every matrix is quantized")
        let k = qs[0].cols
        var random = SplitMix64(seed: UInt64(m * 7 + k))
        // Activations with a few outliers, like a real residual stream after RMSNorm.
        var x = (0..<(m * k)).map { _ in random.symmetric() }
        for i in stride(from: 5, to: x.count, by: 97) { x[i] *= 12 }
        // int8 activations: each value within max|x|/254 of its 32-value block, so output j of row r is
        // within Σ_t |w_jt| · amax(block of t)/254 of the FP32 product (plus FP32 summation).
        var amax = [Float](repeating: 0, count: m * ((k + 31) / 32))
        for r in 0..<m { for t in 0..<k { amax[r * ((k + 31) / 32) + t / 32] = max(amax[r * ((k + 31) / 32) + t / 32], abs(x[r * k + t])) } }
        let n = qs.reduce(0) { $0 + $1.rows }
        let params = try QuantMatmulParams(QuantMatmul.analyticalDefault(m: m, n: n, k: k, format: qs[0].format, on: TestSupport.traits))
        var outs = qs.map { [Float](repeating: .nan, count: m * $0.rows) }
        try x.withUnsafeBufferPointer { xb in
            let ptrs: [UnsafeMutablePointer<Float>] = qs.map { .allocate(capacity: m * $0.rows) }
            defer { ptrs.forEach { $0.deallocate() } }
            for (i, q) in qs.enumerated() { ptrs[i].initialize(repeating: .nan, count: m * q.rows) }
            let outputs = qs.enumerated().map { i, q in QuantMatmulOutput(weights: q, y: ptrs[i], ldy: q.rows) }
            try QuantMatmul.run(m: m, x: try #require(xb.baseAddress), ldx: k, outputs: outputs, params: params, pool: TestSupport.pool)
            for (i, q) in qs.enumerated() { outs[i] = Array(UnsafeBufferPointer(start: ptrs[i], count: m * q.rows)) }
        }
        for (i, q) in qs.enumerated() {
            var ref = [Float](repeating: 0, count: m * q.rows)
            try x.withUnsafeBufferPointer { xb in
                try ref.withUnsafeMutableBufferPointer { rb in
                    QuantMatmul.reference(m: m, x: try #require(xb.baseAddress), ldx: k, weights: q,
                                          y: try #require(rb.baseAddress), ldy: q.rows)
                }
            }
            var scale = 0.0
            for v in ref { scale = max(scale, Double(abs(v))) }
            let integer = params.path == 0 && params.act == 0
            var row = [Float](repeating: 0, count: k)
            var worst = 0.0    // error over its bound, max over outputs
            for j in 0..<q.rows {
                if integer { q.dequantizeRow(j, into: &row) }
                for r in 0..<m {
                    var bound = 1e-4 * max(1, scale)
                    if integer {
                        let blocks = (k + 31) / 32
                        for t in 0..<k { bound += Double(abs(row[t]) * amax[r * blocks + t / 32]) / 254 }
                    }
                    let y = outs[i][r * q.rows + j]
                    worst = max(worst, y.isFinite ? Double(abs(y - ref[r * q.rows + j])) / bound : .infinity)
                }
            }
            #expect(worst <= 1, "\(label) output \(i) (\(q.format) \(q.rows)×\(q.cols)) m=\(m) \(params): error \(worst) of its bound")
        }
    }

    @Test("SmolLM2 and Qwen2.5: q/k/v, o, gate/up, down and the output matrix at 1, 11 and 37 rows")
    func realMatrices() throws {
        for engine in [TestSupport.engine, TestSupport.qwen] {
            guard let e = engine else { continue }
            let w = e.transformer.weights
            for l in [0, w.layers.count - 1] {
                let layer = w.layers[l]
                guard case let .dense(gate, up, down) = layer.ffn else { continue }
                for m in Self.rowCounts {
                    try check([layer.q, layer.k, layer.v], m: m, label: "layer \(l) qkv")
                    try check([layer.o], m: m, label: "layer \(l) o")
                    try check([gate, up], m: m, label: "layer \(l) gate/up")
                    try check([down], m: m, label: "layer \(l) down")
                }
            }
            try check([w.output], m: 1, label: "output")
        }
    }
}

extension RealMatrixKernelTests {
    /// Row r of an M-row call must not depend on the other rows: each row's activations are quantized
    /// on their own, so M rows at once and M single-row calls agree to FP32 summation order.
    @Test("M rows at once give each row's single-row result (int8 and FP32 activations)")
    func rowsIndependent() throws {
        let e = try #require(TestSupport.engine)
        let layer = e.transformer.weights.layers[0]
        guard case .quantized(let q) = layer.o else { Issue.record("o is not quantized"); return }
        let k = q.cols, n = q.rows
        for m in [2, 3, 4, 6, 11] {
            var random = SplitMix64(seed: UInt64(m))
            let x = (0..<(m * k)).map { _ in random.symmetric() }
            for act in [0, 1] {
                var p = QuantMatmul.analyticalDefault(m: m, n: n, k: k, format: q.format, on: TestSupport.traits)
                p["act"] = act
                let params = try QuantMatmulParams(p)
                var one = QuantMatmul.analyticalDefault(m: 1, n: n, k: k, format: q.format, on: TestSupport.traits)
                one["act"] = act
                let single = try QuantMatmulParams(one)
                var together = [Float](repeating: .nan, count: m * n), alone = [Float](repeating: .nan, count: m * n)
                try x.withUnsafeBufferPointer { xb in
                    let xp = try #require(xb.baseAddress)
                    try together.withUnsafeMutableBufferPointer { tb in
                        try QuantMatmul.run(m: m, x: xp, ldx: k, weights: q, y: try #require(tb.baseAddress), ldy: n,
                                            params: params, pool: TestSupport.pool)
                    }
                    try alone.withUnsafeMutableBufferPointer { ab in
                        let ap = try #require(ab.baseAddress)
                        for r in 0..<m {
                            try QuantMatmul.run(m: 1, x: xp + r * k, ldx: k, weights: q, y: ap + r * n, ldy: n,
                                                params: single, pool: TestSupport.pool)
                        }
                    }
                }
                var worst: Float = 0, scale: Float = 0
                for i in together.indices { worst = max(worst, abs(together[i] - alone[i])); scale = max(scale, abs(alone[i])) }
                #expect(worst <= 1e-5 * max(1, scale), "m=\(m) act=\(act) \(params): rows together vs alone differ by \(worst) (scale \(scale))")
            }
        }
    }
}
