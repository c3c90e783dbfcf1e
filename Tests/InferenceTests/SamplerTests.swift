import Testing
@testable import Inference

@Suite("Sampler and vector math")
struct SamplerTests {
    let logits: [Float] = [0.1, 2.5, -1, 2.4, 0.3, 1.9]

    @Test("greedy picks the argmax; top-k 1 is greedy at any temperature")
    func greedy() {
        var s = Sampler(.greedy)
        #expect(s.sample(logits) == 1)
        var k1 = Sampler(SamplingOptions(temperature: 5, topK: 1, topP: 1, seed: 3))
        #expect(k1.sample(logits) == 1)
    }

    @Test("the same seed gives the same draws; samples stay inside top-k and top-p")
    func seededAndFiltered() {
        let opts = SamplingOptions(temperature: 1.0, topK: 3, topP: 1, seed: 11)
        var a = Sampler(opts), b = Sampler(opts)
        var seen = Set<Int32>()
        for _ in 0..<200 {
            let x = a.sample(logits)
            #expect(x == b.sample(logits))
            seen.insert(x)
        }
        #expect(seen.isSubset(of: [1, 3, 5]))
        #expect(seen.count == 3)
        // top-p 0.5: 2.5 and 2.4 have ~0.4 each among the top 3 → the nucleus is {1, 3}.
        var p = Sampler(SamplingOptions(temperature: 1, topK: 3, topP: 0.5, seed: 1))
        for _ in 0..<100 { #expect([1, 3].contains(p.sample(logits))) }
    }

    @Test("invalid options are reported")
    func invalidOptions() {
        #expect(SamplingOptions(temperature: -1).problem != nil)
        #expect(SamplingOptions(topP: 0).problem != nil)
        #expect(SamplingOptions(topK: -2).problem != nil)
        #expect(SamplingOptions().problem == nil)
    }

    @Test("the SIMD exp is within 1e-6 relative of libm over [-80, 80]")
    func vectorExp() {
        var worst: Double = 0
        var x: Float = -80
        while x < 80 {
            var v = SIMD16<Float>()
            for i in 0..<16 { v[i] = x + Float(i) * 0.0037 }
            let e = VectorMath.exp(v)
            for i in 0..<16 {
                let ref = Foundation.exp(Double(v[i]))
                worst = max(worst, abs(Double(e[i]) - ref) / ref)
            }
            x += 0.173
        }
        #expect(worst < 1e-6)
    }

    @Test("router keeps the top-k experts with renormalized softmax weights")
    func routerTopK() {
        let logits: [Float] = [0, 3, 1, 3, -2, 2]
        var ids = [Int32](repeating: -1, count: 3), w = [Float](repeating: 0, count: 3)
        ids.withUnsafeMutableBufferPointer { i in
            w.withUnsafeMutableBufferPointer { wp in
                Router.topK(logits, experts: 6, k: 3, ids: i.baseAddress!, weights: wp.baseAddress!)
            }
        }
        #expect(ids == [1, 3, 5])
        let e3 = Foundation.exp(Float(3)), e2 = Foundation.exp(Float(2))
        #expect(abs(w[0] - e3 / (2 * e3 + e2)) < 1e-6)
        #expect(abs(w.reduce(0, +) - 1) < 1e-6)
    }
}

import Foundation
