import Testing
import KernelContract

@Suite("Kernel-family contract: shapes")
struct KernelShapeTests {
    @Test("canonical keys round-trip through parse for every family")
    func roundTrips() throws {
        for key in ["1x576x576", "37x1536x576", "4x100x64/kn"] {
            #expect(try MatmulShape(key: key).key == key)
        }
        #expect(try MatmulShape(key: "70x48x300/nk").key == "70x48x300")
        for key in ["T=512,past=0,h=9,kv=3,d=64", "T=1,past=37,h=8,kv=8,d=128"] {
            #expect(try AttentionPrefillShape(key: key).key == key)
        }
        #expect(try AttentionPrefillShape(key: "past=0,T=5,d=64,kv=3,h=9").key == "T=5,past=0,h=9,kv=3,d=64")
        #expect(try AttentionDecodeShape(key: "L=513,h=9,kv=3,d=64").key == "L=513,h=9,kv=3,d=64")
        #expect(try ExpertGatherShape(key: "T=128,h=512,f=256,e=64,k=6").key == "T=128,h=512,f=256,e=64,k=6")
    }

    @Test("malformed, empty, negative, zero and absurd shape keys are refused naming the family and field")
    func rejections() {
        for bad in ["", "12x12", "axbxc", "0x4x4", "4x4x4/tn", "-1x4x4", "4x4x4x4", "99999999x4x4", "65536x65536x65536", "4x4x4/"] {
            #expect(throws: KernelError.self, "\(bad)") { _ = try MatmulShape(key: bad) }
        }
        for bad in ["T=0,past=0,h=9,kv=3,d=64", "T=5,past=0,h=9,kv=2,d=64", "T=5,past=0,h=9,kv=3", "T=5,T=5,past=0,h=9,kv=3,d=64",
                    "T=5,past=-1,h=9,kv=3,d=64", "T=5,past=0,h=9,kv=3,d=64,x=1", "T=5,past=0,h=9,kv=3,d=99999999999"] {
            #expect(throws: KernelError.self, "\(bad)") { _ = try AttentionPrefillShape(key: bad) }
        }
        #expect(throws: KernelError.self) { _ = try AttentionDecodeShape(key: "L=0,h=9,kv=3,d=64") }
        #expect(throws: KernelError.self) { _ = try ExpertGatherShape(key: "T=4,h=8,f=8,e=4,k=6") }
        do {
            _ = try AttentionDecodeShape(key: "L=5,h=9,kv=3")
            Issue.record("no error")
        } catch {
            #expect("\(error)".contains("attention.decode") && "\(error)".contains("'d' is missing"))
        }
    }

    @Test("buckets are powers of two holding (B/2, B]; a shape keeps its fixed dimensions")
    func buckets() throws {
        #expect([0, 1, 2, 3, 4, 5, 8, 9, 37, 64, 65, 512, 513].map(Bucket.of) == [0, 1, 2, 4, 4, 8, 8, 16, 64, 64, 128, 512, 1024])
        #expect(Bucket.representatives(upTo: 40) == [1, 2, 4, 8, 16, 32, 64])
        #expect(try MatmulShape(key: "37x576x576").bucketKey == "64x576x576")
        #expect(try MatmulShape(key: "64x576x576").bucketKey == "64x576x576")
        #expect(try MatmulShape(key: "1x576x576").bucketKey == "1x576x576")
        #expect(try AttentionPrefillShape(key: "T=37,past=0,h=9,kv=3,d=64").bucketKey == "T=64,past=0,h=9,kv=3,d=64")
        #expect(try AttentionDecodeShape(key: "L=600,h=9,kv=3,d=64").bucketKey == "L=1024,h=9,kv=3,d=64")
        #expect(try ExpertGatherShape(key: "T=100,h=512,f=256,e=64,k=6").bucketKey == "T=128,h=512,f=256,e=64,k=6")
    }

    @Test("FLOPs and bytes follow the family formulas")
    func work() throws {
        let m = try MatmulShape(key: "2x3x4")
        #expect(m.flops == 48 && m.bytes == 4 * (8 + 12 + 6))
        let d = try AttentionDecodeShape(key: "L=10,h=2,kv=1,d=4")
        #expect(d.flops == 4 * 8 * 10)
        let p = try AttentionPrefillShape(key: "T=2,past=1,h=1,kv=1,d=4")
        #expect(p.pairs == 5 && p.flops == 4 * 4 * 5)
    }

    @Test("family ids encode as their raw text")
    func ids() throws {
        #expect(MatmulShape.family == .matmul && MatmulContract.id == .matmul)
        #expect(AttentionDecodeContract.id.rawValue == "attention.decode")
        #expect(Set([KernelFamilyID.matmul, .attentionPrefill, .attentionDecode, .expertGather]).count == 4)
    }
}

@Suite("Kernel-family contract: parameters")
struct ParameterRuleTests {
    static let matmul = ParameterSet(["path": 0, "lanes": 16, "mr": 8, "nr": 32, "mc": 96, "kc": 256, "nc": 1024,
                                      "threads": 2, "split": 0, "sn": 64, "su": 4, "sr": 4, "sk": 0, "pf": 0])

    @Test("a sound parameter set passes and round-trips through its text form")
    func accepts() throws {
        #expect(MatmulContract.violations(of: Self.matmul).isEmpty)
        #expect(try ParameterSet(parsing: Self.matmul.description) == Self.matmul)
    }

    @Test("negative, zero, absurdly large, missing and unknown parameters are each named")
    func rejects() {
        for (name, value) in [("threads", 0), ("threads", -3), ("threads", 1 << 20), ("mc", 1 << 30), ("kc", 0), ("sk", -1),
                              ("lanes", 64), ("nr", 100_000), ("pf", -64), ("pf", 1 << 20)] {
            var p = Self.matmul
            p[name] = value
            let v = MatmulContract.violations(of: p)
            #expect(v.count == 1 && v[0].hasPrefix("\(name)=\(value) is outside"), "\(name)=\(value): \(v)")
        }
        var p = Self.matmul
        p["mc"] = nil
        p["tile"] = 3
        #expect(MatmulContract.violations(of: p) == ["mc is missing", "unknown parameter 'tile' (known: path, lanes, mr, nr, mc, kc, nc, threads, split, sn, su, sr, sk, pf, pn)"])
        #expect(AttentionDecodeContract.violations(of: ParameterSet(["lanes": 8, "chunk": 0, "block": 64, "threads": 2, "kvsplit": 1, "pf": 64])) == ["chunk=0 is outside 1...16777216"])
        #expect(ExpertGatherContract.violations(of: ParameterSet()).count == ExpertGatherContract.parameters.filter { $0.absent == nil }.count)
        // A parameter added later (pn) may be absent, meaning its `absent` value; present, it is range-checked.
        #expect(MatmulContract.violations(of: Self.matmul).isEmpty && Self.matmul["pn"] == nil)
        var late = Self.matmul
        late["pn"] = 3
        #expect(MatmulContract.violations(of: late) == ["pn=3 is outside 0...2"])
    }

    @Test func quantizedMatmulShapesRoundTripBucketByMAndCountQuantizedBytes() throws {
        let s = try QuantMatmulShapeQ4_1(key: "37x576x576")
        #expect(s.key == "37x576x576" && s.bucket.key == "64x576x576" && s.family == .matmulQ4_1)
        #expect(s.flops == 2 * 37 * 576 * 576)
        #expect(s.bytes == Double(576 * (576 / 32) * 20) + 4 * Double(37 * 576 + 37 * 576))
        #expect(try QuantMatmulShapeQ6_K(key: "1x896x4864").family == .matmulQ6_K)
        for bad in ["", "1x2", "0x32x32", "1x32x33", "ax32x32", "1x32x32x1"] {
            #expect(throws: KernelError.self, "\(bad)") { _ = try QuantMatmulShapeQ4_0(key: bad) }
        }
        #expect(throws: KernelError.self) { _ = try QuantMatmulShapeQ4_K(key: "1x256x128") }
        #expect(try QuantMatmulShapeF16(key: "1x3x5").key == "1x3x5")
    }
}
