import Testing
@testable import Kernels

/// Random attention operands and the reference output for one shape (computed once, reused by every variant).
struct AttentionCase {
    let tokens: Int, past: Int, shape: AttentionShape
    let q: [Float], k: [Float], v: [Float], expected: [Float]

    init(tokens: Int, past: Int, heads: Int, kvHeads: Int, headDim: Int, seed: UInt64 = 7) {
        self.tokens = tokens; self.past = past
        shape = AttentionShape(heads: heads, kvHeads: kvHeads, headDim: headDim)
        var rng = TestRandom(seed: seed)
        // Scores of a realistic magnitude: scale queries up so the softmax is not nearly uniform.
        let q = rng.array(tokens * heads * headDim).map { $0 * 4 }
        let k = rng.array((past + tokens) * kvHeads * headDim)
        let v = rng.array((past + tokens) * kvHeads * headDim)
        let shape = self.shape
        var out = [Float](repeating: 0, count: tokens * heads * headDim)
        q.withUnsafeBufferPointer { pq in k.withUnsafeBufferPointer { pk in v.withUnsafeBufferPointer { pv in
            out.withUnsafeMutableBufferPointer { po in
                Attention.reference(q: pq.baseAddress!, k: pk.baseAddress!, v: pv.baseAddress!, out: po.baseAddress!,
                                    tokens: tokens, past: past, shape: shape)
            } } } }
        self.q = q; self.k = k; self.v = v
        expected = out
    }

    var bound: Double { Attention.errorBound(headDim: shape.headDim, keys: past + tokens) }
    var label: String { "T=\(tokens),past=\(past),h=\(shape.heads),kv=\(shape.kvHeads),d=\(shape.headDim)" }

    func error(of out: [Float]) -> Double {
        var worst = 0.0
        for (o, e) in zip(out, expected) {
            if !o.isFinite { return .infinity }
            worst = max(worst, abs(Double(o) - Double(e)) / (abs(Double(e)) + 1))
        }
        return worst
    }

    func prefill(_ params: ParameterSet, pool: WorkerPool) throws -> Double {
        var out = [Float](repeating: .nan, count: expected.count)
        try q.withUnsafeBufferPointer { pq in try k.withUnsafeBufferPointer { pk in try v.withUnsafeBufferPointer { pv in
            try out.withUnsafeMutableBufferPointer { po in
                try Attention.prefill(q: pq.baseAddress!, k: pk.baseAddress!, v: pv.baseAddress!, out: po.baseAddress!,
                                      tokens: tokens, past: past, shape: shape, params: params, pool: pool)
            } } } }
        return error(of: out)
    }

    /// Decode of the last rows: the `tokens` queries against past + tokens cache rows (one query in plain
    /// decode, several in speculative decode), compared with the causal reference.
    func decode(_ params: ParameterSet, pool: WorkerPool) throws -> Double {
        var out = [Float](repeating: .nan, count: expected.count)
        try q.withUnsafeBufferPointer { pq in try k.withUnsafeBufferPointer { pk in try v.withUnsafeBufferPointer { pv in
            try out.withUnsafeMutableBufferPointer { po in
                try Attention.decode(q: pq.baseAddress!, k: pk.baseAddress!, v: pv.baseAddress!, out: po.baseAddress!,
                                     length: past + tokens, queries: tokens, shape: shape, params: params, pool: pool)
            } } } }
        return error(of: out)
    }
}

let hostLanes = [4, 8, 16].filter { $0 <= HostCPU.maxSIMDLanes }
let testTraits = MachineTraits(l1dBytes: 48 << 10, l1dWays: 12, l2Bytes: 1 << 20, l2Ways: 16, l3Bytes: 32 << 20,
                               l3Ways: 16, lineBytes: 64, cores: 2, maxSIMDLanes: HostCPU.maxSIMDLanes)

@Suite struct AttentionPrefillTests {
    let pool = WorkerPool(threads: 2)

    /// T = 1, odd lengths, non-multiples of every block size, past > 0, headDim 64 and 128, GQA groups 1–4.
    static let cases = [
        AttentionCase(tokens: 1, past: 0, heads: 2, kvHeads: 1, headDim: 64),
        AttentionCase(tokens: 1, past: 45, heads: 3, kvHeads: 3, headDim: 64),
        AttentionCase(tokens: 37, past: 0, heads: 4, kvHeads: 1, headDim: 64),
        AttentionCase(tokens: 70, past: 19, heads: 2, kvHeads: 2, headDim: 128),
        AttentionCase(tokens: 133, past: 3, heads: 4, kvHeads: 2, headDim: 64),
    ]

    @Test(arguments: hostLanes)
    func everyBlockShapeMatchesTheReferenceOnEdgeShapes(lanes: Int) throws {
        let space = Attention.prefillSearchSpace(tokens: 133, shape: AttentionShape(heads: 4, kvHeads: 2, headDim: 64), on: testTraits)
        let brs = try #require(space.parameters.first { $0.name == "br" }).values
        let bcs = try #require(space.parameters.first { $0.name == "bc" }).values
        var variants = 0
        for br in brs {
            for bc in bcs where bc % lanes == 0 {
                for (i, c) in Self.cases.enumerated() {
                    let p = ParameterSet(["lanes": lanes, "br": br, "bc": bc, "threads": 1 + (i + br / 16) % 2])
                    let err = try c.prefill(p, pool: pool)
                    #expect(err <= c.bound, "\(c.label) \(p): \(err) > \(c.bound)")
                }
                variants += 1
            }
        }
        #expect(variants >= 3)
    }

    @Test func analyticalDefaultMatchesTheReferenceForBothHeadDims() throws {
        for c in Self.cases {
            let p = Attention.analyticalDefaultPrefill(tokens: c.tokens, shape: c.shape, on: testTraits)
            let err = try c.prefill(p, pool: pool)
            #expect(err <= c.bound, "\(c.label) \(p): \(err)")
        }
    }

    @Test func aLongPrefillStaysWithinTheStatedBound() throws {
        let c = AttentionCase(tokens: 300, past: 200, heads: 2, kvHeads: 1, headDim: 128, seed: 3)
        let err = try c.prefill(Attention.analyticalDefaultPrefill(tokens: 300, shape: c.shape, on: testTraits), pool: pool)
        #expect(err <= c.bound, "\(err)")
    }

    @Test func badShapesAndParametersAreTypedErrorsBeforeAnyWork() throws {
        let good = ParameterSet(["lanes": 4, "br": 16, "bc": 16, "threads": 1])
        var q = [Float](repeating: 1, count: 1024), out = [Float](repeating: 7, count: 1024)
        let shapes: [(Int, Int, AttentionShape)] = [
            (4, 0, AttentionShape(heads: 3, kvHeads: 2, headDim: 16)),  // heads not a multiple of kvHeads
            (0, 0, AttentionShape(heads: 2, kvHeads: 1, headDim: 16)),  // zero tokens
            (4, -1, AttentionShape(heads: 2, kvHeads: 1, headDim: 16)), // negative past
            (4, 0, AttentionShape(heads: 2, kvHeads: 0, headDim: 16)),  // zero kv heads
            (4, 0, AttentionShape(heads: 2, kvHeads: 1, headDim: 0)),   // zero head dim
        ]
        for (t, past, shape) in shapes {
            #expect {
                try Attention.prefill(q: &q, k: &q, v: &q, out: &out, tokens: t, past: past, shape: shape, params: good, pool: pool)
            } throws: { e in
                if case .invalidShape(let kernel, _) = e as? KernelError { return kernel == "attention.prefill" }
                return false
            }
        }
        let shape = AttentionShape(heads: 2, kvHeads: 1, headDim: 12)
        for bad in ["lanes=4,br=6,bc=16,threads=1", "lanes=8,br=16,bc=12,threads=1", "lanes=32,br=16,bc=32,threads=1",
                    "lanes=4,br=16,bc=16,threads=0", "lanes=4,br=16,threads=1", "lanes=4,br=16,bc=16,threads=3",
                    "lanes=8,br=16,bc=16,threads=1"] {
            #expect(throws: KernelError.self, "\(bad)") {
                try Attention.prefill(q: &q, k: &q, v: &q, out: &out, tokens: 4, past: 0, shape: shape,
                                      params: try ParameterSet(parsing: bad), pool: pool)
            }
        }
        #expect(out.allSatisfy { $0 == 7 })
        #expect(throws: KernelError.unsupported(kernel: "attention.prefill", reason: "lanes=16 but this CPU executes at most 8 Float lanes")) {
            try Attention.validatePrefill(tokens: 4, past: 0, shape: AttentionShape(heads: 2, kvHeads: 1, headDim: 64),
                                          params: PrefillParams(lanes: 16, br: 16, bc: 16, threads: 1), pool: pool, maxLanes: 8)
        }
    }

    @Test func analyticalDefaultSatisfiesItsOwnSearchSpace() {
        let machines = [testTraits, MachineTraits.fallback(cores: 8, maxSIMDLanes: 8), MachineTraits.fallback(cores: 1, maxSIMDLanes: 4)]
        for m in machines {
            for (t, d) in [(1, 64), (512, 64), (2048, 128), (7, 80)] {
                let shape = AttentionShape(heads: 9, kvHeads: 3, headDim: d)
                let seed = Attention.analyticalDefaultPrefill(tokens: t, shape: shape, on: m)
                #expect(Attention.prefillSearchSpace(tokens: t, shape: shape, on: m).violations(of: seed) == [], "\(t) \(d) \(seed)")
            }
        }
    }

    @Test func registryShapeKeyBuildsAVerifiedInstance() throws {
        let inst = try AttentionPrefillInstance(shapeKey: "T=40,past=9,h=6,kv=2,d=64", pool: pool)
        #expect(inst.shapeKey == "T=40,past=9,h=6,kv=2,d=64")
        let check = try inst.verify(inst.analyticalDefault(on: testTraits))
        #expect(check.passed, "\(check)")
        for bad in ["T=40,past=9,h=6,kv=2", "T=40,past=9,h=6,kv=4,d=64", "T=x,past=9,h=6,kv=2,d=64", "T=40,past=9,h=6,kv=2,d=64,z=1"] {
            #expect(throws: KernelError.self, "\(bad)") { try AttentionPrefillInstance(shapeKey: bad, pool: pool) }
        }
    }
}

@Suite struct AttentionDecodeTests {
    let pool = WorkerPool(threads: 2)

    static let cases = [
        AttentionCase(tokens: 1, past: 0, heads: 3, kvHeads: 1, headDim: 64),     // L = 1
        AttentionCase(tokens: 1, past: 6, heads: 2, kvHeads: 2, headDim: 128),    // L = 7
        AttentionCase(tokens: 1, past: 100, heads: 4, kvHeads: 1, headDim: 64),   // L = 101
        AttentionCase(tokens: 1, past: 1040, heads: 9, kvHeads: 3, headDim: 64),  // L = 1041, several chunks
        AttentionCase(tokens: 1, past: 300, heads: 4, kvHeads: 2, headDim: 128),
    ]

    @Test(arguments: hostLanes)
    func everyChunkAndBlockMatchesTheReferenceOnEdgeLengths(lanes: Int) throws {
        let space = Attention.decodeSearchSpace(length: 1041, shape: AttentionShape(heads: 9, kvHeads: 3, headDim: 64), on: testTraits)
        let chunks = try #require(space.parameters.first { $0.name == "chunk" }).values
        let blocks = try #require(space.parameters.first { $0.name == "block" }).values
        for chunk in chunks {
            for block in blocks where chunk % block == 0 {
                for (i, c) in Self.cases.enumerated() {
                    // kvsplit and pf cycle with the case so every value meets every chunk and block.
                    let kvsplit = [1, 2, 3, 8][(i + chunk / 32) % 4], pf = [0, 1, 5, 32][(i + block / 8) % 4]
                    let p = ParameterSet(["lanes": lanes, "chunk": chunk, "block": block, "threads": 1 + (i + chunk / 32) % 2,
                                          "kvsplit": kvsplit, "pf": pf])
                    let err = try c.decode(p, pool: pool)
                    #expect(err <= c.bound, "\(c.label) \(p): \(err) > \(c.bound)")
                }
            }
        }
    }

    /// Several query tokens (speculative decode): each causal over the cache, L not a multiple of the block,
    /// chunks that early queries cannot see at all (past = 63 with chunk 32: the last chunk holds only draft rows).
    static let multiQuery = [
        AttentionCase(tokens: 2, past: 0, heads: 2, kvHeads: 1, headDim: 64),    // L = 2: each query's own row
        AttentionCase(tokens: 4, past: 63, heads: 4, kvHeads: 2, headDim: 64),   // L = 67
        AttentionCase(tokens: 8, past: 93, heads: 6, kvHeads: 3, headDim: 64),   // L = 101, q = M = 8
        AttentionCase(tokens: 3, past: 300, heads: 4, kvHeads: 1, headDim: 128),
    ]

    @Test(arguments: hostLanes)
    func severalQueryTokensMatchTheCausalReference(lanes: Int) throws {
        for chunk in [32, 64, 256] {
            for block in [8, 32] where chunk % block == 0 {
                for (i, c) in Self.multiQuery.enumerated() {
                    let kvsplit = [1, 2, 3][(i + chunk / 32) % 3], pf = [0, 1, 8][(i + block / 8) % 3]
                    let p = ParameterSet(["lanes": lanes, "chunk": chunk, "block": block, "threads": 1 + (i + block) % 2,
                                          "kvsplit": kvsplit, "pf": pf])
                    let err = try c.decode(p, pool: pool)
                    #expect(err <= c.bound, "\(c.label) \(p): \(err) > \(c.bound)")
                }
            }
        }
        // The analytical default and the registry's shape key with q.
        let inst = try AttentionDecodeInstance(shapeKey: "L=77,h=6,kv=2,d=64,q=5", pool: pool)
        #expect(inst.shapeKey == "L=77,h=6,kv=2,d=64,q=5")
        #expect(try inst.verify(inst.analyticalDefault(on: testTraits)).passed)
        for bad in ["L=4,h=6,kv=2,d=64,q=5", "L=77,h=6,kv=2,d=64,q=0", "L=77,h=6,kv=2,d=64,q=17", "L=77,h=6,kv=2,d=64,q=2,q=3"] {
            #expect(throws: KernelError.self, "\(bad)") { try AttentionDecodeInstance(shapeKey: bad, pool: pool) }
        }
    }

    @Test func decodeEqualsTheLastRowOfPrefill() throws {
        // Same operands: decode at length past+1 must agree with prefill's single new token.
        let c = AttentionCase(tokens: 1, past: 77, heads: 6, kvHeads: 2, headDim: 64)
        let pe = try c.prefill(Attention.analyticalDefaultPrefill(tokens: 1, shape: c.shape, on: testTraits), pool: pool)
        let de = try c.decode(Attention.analyticalDefaultDecode(length: 78, shape: c.shape, on: testTraits), pool: pool)
        #expect(pe <= c.bound && de <= c.bound, "prefill \(pe), decode \(de)")
    }

    @Test func badShapesAndParametersAreTypedErrors() throws {
        var q = [Float](repeating: 1, count: 512), out = [Float](repeating: 7, count: 512)
        let good = ParameterSet(["lanes": 4, "chunk": 64, "block": 16, "threads": 1, "kvsplit": 1, "pf": 16])
        for (l, shape) in [(0, AttentionShape(heads: 2, kvHeads: 1, headDim: 16)), (4, AttentionShape(heads: 5, kvHeads: 2, headDim: 16))] {
            #expect(throws: KernelError.self) {
                try Attention.decode(q: &q, k: &q, v: &q, out: &out, length: l, shape: shape, params: good, pool: pool)
            }
        }
        for bad in ["lanes=4,chunk=48,block=32,threads=1", "lanes=4,chunk=64,block=0,threads=1", "lanes=3,chunk=64,block=16,threads=1",
                    "lanes=4,chunk=64,block=16,threads=5", "chunk=64,block=16,threads=1",
                    "lanes=4,chunk=64,block=16,threads=1,kvsplit=0,pf=16", "lanes=4,chunk=64,block=16,threads=1,kvsplit=1,pf=-1",
                    "lanes=4,chunk=64,block=16,threads=1,kvsplit=1,pf=100000", "lanes=4,chunk=64,block=16,threads=1,kvsplit=1"] {
            #expect(throws: KernelError.self, "\(bad)") {
                try Attention.decode(q: &q, k: &q, v: &q, out: &out, length: 4, shape: AttentionShape(heads: 2, kvHeads: 1, headDim: 16),
                                     params: try ParameterSet(parsing: bad), pool: pool)
            }
        }
        // A length beyond the cache, and a cache whose size overflows: typed errors, nothing written.
        #expect(throws: KernelError.self) {
            try Attention.decode(q: &q, k: &q, v: &q, out: &out, length: 9, capacity: 8,
                                 shape: AttentionShape(heads: 2, kvHeads: 1, headDim: 16), params: good, pool: pool)
        }
        #expect(throws: KernelError.self) {
            try Attention.decode(q: &q, k: &q, v: &q, out: &out, length: Int.max / 8,
                                 shape: AttentionShape(heads: 2, kvHeads: 1, headDim: 16), params: good, pool: pool)
        }
        // Query tokens: none, more than the cache rows, more than a decode call takes.
        for (queries, length) in [(0, 4), (5, 4), (AttentionDecodeShape.maxQueries + 1, 64)] {
            #expect(throws: KernelError.self, "q=\(queries) L=\(length)") {
                try Attention.decode(q: &q, k: &q, v: &q, out: &out, length: length, queries: queries,
                                     shape: AttentionShape(heads: 2, kvHeads: 1, headDim: 16), params: good, pool: pool)
            }
        }
        #expect(out.allSatisfy { $0 == 7 })
    }

    @Test func analyticalDefaultSatisfiesItsOwnSearchSpaceAndTheRegistryKeyParses() throws {
        for m in [testTraits, MachineTraits.fallback(cores: 8, maxSIMDLanes: 8)] {
            for l in [1, 512, 65536] {
                let shape = AttentionShape(heads: 9, kvHeads: 3, headDim: 64)
                let seed = Attention.analyticalDefaultDecode(length: l, shape: shape, on: m)
                #expect(Attention.decodeSearchSpace(length: l, shape: shape, on: m).violations(of: seed) == [], "\(l) \(seed)")
            }
        }
        let inst = try AttentionDecodeInstance(shapeKey: "L=512,h=9,kv=3,d=64", pool: pool)
        #expect(inst.shapeKey == "L=512,h=9,kv=3,d=64")
        #expect(try inst.verify(inst.analyticalDefault(on: testTraits)).passed)
        #expect(throws: KernelError.self) { try AttentionDecodeInstance(shapeKey: "L=0,h=9,kv=3,d=64", pool: pool) }
    }
}
