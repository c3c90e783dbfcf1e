import Testing
@testable import Kernels

/// Random MoE operands with a chosen routing, and the reference result (out starts non-zero: the
/// kernel accumulates).
struct MoECase {
    let shape: MoEShape
    let x: [Float], gate: [Float], up: [Float], down: [Float], ids: [Int32], weights: [Float], initial: [Float]
    let expected: [Float]
    let label: String

    /// `route(t, j)` gives the expert of token t's slot j.
    init(_ label: String, tokens: Int, hidden: Int, ffn: Int, experts: Int, topK: Int, seed: UInt64 = 5,
         route: (Int, Int) -> Int) {
        self.label = label
        let shape = MoEShape(tokens: tokens, hidden: hidden, ffn: ffn, experts: experts, topK: topK)
        self.shape = shape
        var rng = TestRandom(seed: seed)
        let x = rng.array(tokens * hidden)
        let gs = 1 / Float(hidden).squareRoot(), ds = 1 / Float(ffn).squareRoot()
        let gate = rng.array(experts * ffn * hidden).map { $0 * gs }
        let up = rng.array(experts * ffn * hidden).map { $0 * gs }
        let down = rng.array(experts * hidden * ffn).map { $0 * ds }
        let ids = (0..<(tokens * topK)).map { Int32(route($0 / topK, $0 % topK)) }
        let weights = (0..<(tokens * topK)).map { _ in (rng.float() + 1.5) / Float(topK * 2) }
        let initial = rng.array(tokens * hidden)
        var out = initial
        out.withUnsafeMutableBufferPointer { po in
            ExpertGather.reference(x: x, ids: ids, weights: weights, gate: gate, up: up, down: down,
                                   out: po.baseAddress!, shape: shape)
        }
        self.x = x; self.gate = gate; self.up = up; self.down = down; self.ids = ids; self.weights = weights
        self.initial = initial; expected = out
    }

    var bound: Double { ExpertGather.errorBound(shape: shape) }

    func run(_ params: ParameterSet, pool: WorkerPool) throws -> Double {
        var out = initial
        try out.withUnsafeMutableBufferPointer { po in
            try ExpertGather.run(x: x, ids: ids, weights: weights, gate: gate, up: up, down: down, out: po.baseAddress!,
                                 shape: shape, params: params, pool: pool)
        }
        var worst = 0.0
        for (o, e) in zip(out, expected) {
            if !o.isFinite { return .infinity }
            worst = max(worst, abs(Double(o) - Double(e)) / (abs(Double(e)) + 1))
        }
        return worst
    }
}

@Suite struct ExpertGatherTests {
    let pool = WorkerPool(threads: 2)

    /// top-k = 1, a single token, odd hidden and ffn sizes, experts with zero tokens, one expert taking
    /// every token (batches longer than any chunk), all experts used.
    static let cases = [
        MoECase("T=1,k=1", tokens: 1, hidden: 32, ffn: 16, experts: 4, topK: 1) { _, _ in 2 },
        MoECase("top1 skewed, zero-token experts", tokens: 9, hidden: 48, ffn: 24, experts: 8, topK: 1) { t, _ in t % 3 == 0 ? 5 : 0 },
        MoECase("uniform k=4", tokens: 37, hidden: 64, ffn: 40, experts: 16, topK: 4) { t, j in (t * 7 + j * 5) % 16 },
        MoECase("odd sizes, all experts", tokens: 20, hidden: 17, ffn: 9, experts: 3, topK: 3) { t, j in (t + j) % 3 },
        MoECase("one hot expert", tokens: 70, hidden: 32, ffn: 48, experts: 6, topK: 2) { t, j in j == 0 ? 4 : (t % 5 == 4 ? 5 : t % 5) },
    ]

    func base(_ changes: [String: Int]) -> ParameterSet {
        var p = ParameterSet(["order": 0, "chunk": 32, "split": 0, "merge": 8, "lanes": HostCPU.maxSIMDLanes, "sr": 4, "threads": 2, "stage": 1])
        for (k, v) in changes { p[k] = v }
        return p
    }

    @Test func everyOrderSplitChunkAndMergeMatchesTheReference() throws {
        let space = ExpertGather.searchSpace(shape: MoEShape(tokens: 128, hidden: 512, ffn: 256, experts: 64, topK: 6), on: testTraits)
        let values = { (name: String) in space.parameters.first { $0.name == name }?.values ?? [] }
        for order in values("order") {
            for split in values("split") {
                for chunk in values("chunk") {
                    for merge in values("merge") {
                        for (i, c) in Self.cases.enumerated() {
                            let p = base(["order": order, "split": split, "chunk": chunk, "merge": merge, "threads": 1 + (i + chunk) % 2])
                            let err = try c.run(p, pool: pool)
                            #expect(err <= c.bound, "\(c.label) \(p): \(err) > \(c.bound)")
                        }
                    }
                }
            }
        }
    }

    @Test(arguments: hostLanes)
    func everySIMDWidthAndRowGroupMatchesTheReference(lanes: Int) throws {
        for sr in MatmulParams.skinnyRowGroups {
            for split in [0, 1] {
                for c in Self.cases {
                    let p = base(["lanes": lanes, "sr": sr, "split": split, "chunk": 16, "merge": 4, "stage": (sr + split) % 2,
                                  "pn": (sr + split + lanes / 4) % 3])
                    let err = try c.run(p, pool: pool)
                    #expect(err <= c.bound, "\(c.label) \(p): \(err) > \(c.bound)")
                }
            }
        }
    }

    @Test func analyticalDefaultMatchesTheReferenceAndSatisfiesItsSpace() throws {
        for c in Self.cases {
            let p = ExpertGather.analyticalDefault(shape: c.shape, on: testTraits)
            #expect(ExpertGather.searchSpace(shape: c.shape, on: testTraits).violations(of: p) == [], "\(p)")
            let err = try c.run(p, pool: pool)
            #expect(err <= c.bound, "\(c.label) \(p): \(err)")
        }
        for m in [testTraits, MachineTraits.fallback(cores: 8, maxSIMDLanes: 8), MachineTraits.fallback(cores: 1, maxSIMDLanes: 4)] {
            for s in [MoEShape(tokens: 128, hidden: 512, ffn: 256, experts: 64, topK: 6), MoEShape(tokens: 1, hidden: 2048, ffn: 1408, experts: 8, topK: 2)] {
                let p = ExpertGather.analyticalDefault(shape: s, on: m)
                #expect(ExpertGather.searchSpace(shape: s, on: m).violations(of: p) == [], "\(s) \(p)")
            }
        }
        // A decode step (one token, top-6 of 64) leaves work for every core: merged tasks of at most rows/cores.
        let decode = MoEShape(tokens: 1, hidden: 512, ffn: 256, experts: 64, topK: 6)
        for cores in [1, 2, 4] {
            let p = ExpertGather.analyticalDefault(shape: decode, on: .fallback(cores: cores, maxSIMDLanes: 8))
            #expect(p["split"] == 0 && (p["merge"] ?? 0) <= max(1, decode.rows / cores), "\(cores) cores: \(p)")
        }
    }

    @Test func badRoutingShapesAndParametersAreTypedErrorsBeforeAnyWork() throws {
        let c = Self.cases[2]
        var out = [Float](repeating: 7, count: c.initial.count)
        func attempt(ids: [Int32]? = nil, weights: [Float]? = nil, shape: MoEShape? = nil, params: ParameterSet? = nil) -> KernelError? {
            do {
                try out.withUnsafeMutableBufferPointer { po in
                    try ExpertGather.run(x: c.x, ids: ids ?? c.ids, weights: weights ?? c.weights, gate: c.gate, up: c.up,
                                         down: c.down, out: po.baseAddress!, shape: shape ?? c.shape,
                                         params: params ?? base([:]), pool: pool)
                }
                return nil
            } catch { return error as? KernelError ?? .unknownKernel(name: "\(error)", known: []) }
        }
        var ids = c.ids
        ids[13] = 16
        #expect(attempt(ids: ids) == .invalidShape(kernel: "expert-gather", reason: "ids[13] (token 3, slot 1) = 16 is outside 0..<16"))
        ids[13] = -1
        #expect(attempt(ids: ids) != nil)
        var w = c.weights
        w[5] = .nan
        #expect(attempt(weights: w) != nil)
        for s in [MoEShape(tokens: 0, hidden: 64, ffn: 40, experts: 16, topK: 4), MoEShape(tokens: 37, hidden: 64, ffn: 40, experts: 3, topK: 4),
                  MoEShape(tokens: 37, hidden: 0, ffn: 40, experts: 16, topK: 4), MoEShape(tokens: 37, hidden: 64, ffn: 40, experts: 16, topK: 0),
                  MoEShape(tokens: 37, hidden: 64, ffn: 40, experts: 0, topK: 4),
                  MoEShape(tokens: 37, hidden: 1 << 40, ffn: 1 << 20, experts: 16, topK: 4)] {
            guard case .invalidShape = attempt(shape: s) else { Issue.record("\(s) accepted"); continue }
        }
        for bad in [["order": 2], ["split": 3], ["sr": 3], ["lanes": 32], ["threads": 3], ["chunk": 0], ["merge": 0], ["stage": 2]] {
            #expect(attempt(params: base(bad)) != nil, "\(bad)")
        }
        var missing = base([:])
        missing["order"] = nil
        #expect(attempt(params: missing) == .missingParameter(kernel: "expert-gather", name: "order"))
        #expect(out.allSatisfy { $0 == 7 })
    }

    @Test func registryShapeKeyBuildsAVerifiedInstance() throws {
        let inst = try ExpertGatherInstance(shapeKey: "T=19,h=64,f=32,e=8,k=3", pool: pool)
        #expect(inst.shapeKey == "T=19,h=64,f=32,e=8,k=3")
        let check = try inst.verify(inst.analyticalDefault(on: testTraits))
        #expect(check.passed, "\(check)")
        for bad in ["T=19,h=64,f=32,e=8", "T=19,h=64,f=32,e=2,k=3", "T=19,h=64,f=32,e=8,k=3,x=1", "T=-1,h=64,f=32,e=8,k=3"] {
            #expect(throws: KernelError.self, "\(bad)") { try ExpertGatherInstance(shapeKey: bad, pool: pool) }
        }
    }
}

@Suite struct AttentionAndMoERegistryTests {
    @Test func registryBuildsTheAttentionAndExpertGatherFamiliesFromTheContractKeys() throws {
        let pool = WorkerPool(threads: 1, pinToCores: false)
        for (family, key) in [("attention.prefill", "T=512,past=0,h=9,kv=3,d=64"), ("attention.decode", "L=512,h=9,kv=3,d=64"),
                              ("expert-gather", "T=128,h=512,f=256,e=64,k=6")] {
            #expect(KernelRegistry.families.contains(family))
            let inst = try KernelRegistry.instance(family: family, shape: key, pool: pool, seed: 1)
            #expect(inst.shapeKey == key)
            #expect(type(of: inst).family.rawValue == family)
        }
        #expect(throws: KernelError.self) { try KernelRegistry.instance(family: "attention.decode", shape: "L=5,h=9,kv=3", pool: pool, seed: 1) }
    }
}
