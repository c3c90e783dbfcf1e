import Testing
@testable import Kernels

@Suite struct KernelRegistryTests {
    let pool = WorkerPool(threads: 2)
    let machine = MachineTraits.host()

    @Test func matmulIsRegisteredAndItsInstanceVerifiesTheAnalyticalDefault() throws {
        #expect(KernelRegistry.families.contains("matmul"))
        for key in ["33x65x17", "1x576x576", "4x100x64/kn", "70x48x300/nk"] {
            let instance = try KernelRegistry.instance(family: "matmul", shape: key, pool: pool, seed: 7)
            #expect(type(of: instance).family == .matmul)
            #expect(instance.shapeKey == (key.hasSuffix("/nk") ? String(key.dropLast(3)) : key))
            let seed = instance.analyticalDefault(on: machine)
            #expect(instance.searchSpace(on: machine).violations(of: seed) == [])
            let check = try instance.verify(seed)
            #expect(check.passed, "\(key): \(check)")
        }
    }

    @Test func verificationNeverPassesNaNAndStatesAPositiveBound() throws {
        let instance = try MatmulInstance(shapeKey: "8x8x8", pool: pool)
        let v = Verification(maxError: .nan, bound: 1e-3)
        #expect(!v.passed)
        let ok = try instance.verify(instance.analyticalDefault(on: machine))
        #expect(ok.passed && ok.bound > 0)
    }

    @Test func theKeptReferenceStillCatchesAWrongResult() throws {
        // verify keeps the reference outputs after its first call; later calls must still compare every
        // checked output. Changing an operand behind its back makes the kernel's row 0 differ from the kept
        // reference, as a wrong kernel's would: the check must fail, in both the full and the sampled mode.
        for key in ["16x40x24", "64x2048x1100"] {
            let instance = try MatmulInstance(shapeKey: key, pool: pool)
            let p = instance.analyticalDefault(on: machine)
            #expect(try instance.verify(p).passed, "\(key)")
            #expect(try instance.verify(p).passed, "\(key): second call, kept reference")
            for t in 0..<instance.k { instance.a[t] += 0.5 }
            #expect(try !instance.verify(p).passed, "\(key): a changed row 0 must fail against the kept reference")
        }
    }

    @Test func malformedShapeKeysAndUnknownFamiliesAreTypedErrors() {
        for bad in ["", "12x12", "axbxc", "0x4x4", "4x4x4/tn", "-1x4x4"] {
            #expect(throws: KernelError.self, "\(bad)") {
                _ = try KernelRegistry.instance(family: "matmul", shape: bad, pool: pool, seed: 1)
            }
        }
        #expect(throws: KernelError.unknownKernel(name: "conv", known: KernelRegistry.families)) {
            _ = try KernelRegistry.instance(family: "conv", shape: "1x1x1", pool: pool, seed: 1)
        }
    }

    @Test func invalidParametersAreRejectedByTheInstanceBeforeRunning() throws {
        let instance = try MatmulInstance(shapeKey: "16x16x16", pool: pool)
        var p = instance.analyticalDefault(on: machine)
        p["path"] = 0
        p["mc"] = (p["mr"] ?? 8) + 1
        #expect(throws: KernelError.self) { try instance.run(p) }
    }

    @Test func everySearchSpaceStaysInsideItsContractAndEveryDefaultPassesTheRegistryChecks() throws {
        let shapes: [(KernelFamilyID, String)] = [(.matmul, "1x576x576"), (.matmul, "64x576x576"), (.matmul, "512x1536x576"),
                                                  (.attentionPrefill, "T=37,past=0,h=9,kv=3,d=64"),
                                                  (.attentionDecode, "L=513,h=9,kv=3,d=64"),
                                                  (.expertGather, "T=16,h=64,f=32,e=8,k=2"),
                                                  (.matmulQ4_1, "1x64x256"), (.matmulQ8_0, "37x96x64"), (.matmulQ4_K, "64x32x512"),
                                                  (.matmulQ6_K, "1x32x256"), (.matmulQ4_0, "3x32x64"), (.matmulQ5_0, "3x32x64"),
                                                  (.matmulF16, "2x16x48"), (.matmulBF16, "20x16x48")]
        for (id, key) in shapes {
            let family = try #require(KernelRegistry.family(id))
            let shape = try family.shape(key)
            let space = try family.instance(shape, pool: pool, seed: 1).searchSpace(on: machine)
            let rules = Dictionary(uniqueKeysWithValues: family.parameters.map { ($0.name, $0.range) })
            #expect(Set(space.parameters.map(\.name)) == Set(rules.keys), "\(id)")
            for p in space.parameters {
                let range = try #require(rules[p.name])
                #expect(p.values.allSatisfy(range.contains), "\(id) \(p.name) \(p.values) outside \(range)")
            }
            let seed = try #require(family.analyticalDefault(shape, on: machine))
            #expect(family.violations(of: seed).isEmpty, "\(id) \(key): \(family.violations(of: seed))")
            #expect(KernelRegistry.analyticalDefault(shape, on: machine) == seed)
        }
        var bad = try #require(KernelRegistry.family(.matmul)).analyticalDefault(MatmulShape(key: "64x64x64"), on: machine) ?? ParameterSet()
        bad["mc"] = (bad["mr"] ?? 8) + 1
        #expect(KernelRegistry.family(.matmul)?.violations(of: bad) == ["mc is a multiple of mr"])
    }

    @Test func quantizedFamiliesAreOneRowPerFormatAndTheirInstancesVerifyTheSeed() throws {
        for f in QuantFormat.allCases {
            let family = try #require(KernelRegistry.family(QuantMatmul.family(f)), "\(f)")
            #expect(family.id.rawValue == "matmul.\(f.name)")
            let k = 2 * max(32, f.blockElements)
            let instance = try family.instance(family.shape("5x24x\(k)"), pool: pool, seed: 9)
            let q = try #require(instance as? QuantMatmulInstance)
            #expect(q.family == family.id && q.format == f)
            #expect(try instance.verify(instance.analyticalDefault(on: machine)).passed, "\(f)")
            if f.blockElements > 1 {
                #expect(throws: KernelError.self, "\(f)") { _ = try family.shape("1x8x\(f.blockElements + 1)") }
            }
        }
        var p = try #require(KernelRegistry.family(.matmulQ4_1)?.analyticalDefault(QuantMatmulShapeQ4_1(key: "1x64x256"), on: machine))
        p["threads"] = 0
        #expect(KernelRegistry.family(.matmulQ4_1)?.violations(of: p) == ["threads=0 is outside 1...1024"])
    }

    @Test func coldInstancesRotateWeightCopiesBeyondTheGivenBytesAndStillVerify() throws {
        let warm = try MatmulInstance(shapeKey: "1x64x64", pool: pool)
        #expect(warm.condition == .hot && warm.weightCopies.count == 1)
        let cold = try MatmulInstance(MatmulShape(key: "2x64x64"), pool: pool, seed: 3, coldWeightBytes: 1 << 20)
        #expect(cold.condition == .cold)
        #expect(cold.weightCopies.count * 64 * 64 * 4 > 1 << 20)
        let big = try MatmulInstance(MatmulShape(key: "1x1024x512"), pool: pool, seed: 3, coldWeightBytes: 1 << 20)
        #expect(big.condition == .cold && big.weightCopies.count == 1)   // B alone (2 MiB) exceeds the bytes
        let p = cold.analyticalDefault(on: machine)
        for _ in 0..<(cold.weightCopies.count + 2) {
            #expect(try cold.verify(p).passed)   // every copy holds the same weights
        }
    }
}
