import Testing
@testable import Kernels

@Suite struct KernelRegistryTests {
    let pool = WorkerPool(threads: 2)
    let machine = MachineTraits.host()

    @Test func matmulIsRegisteredAndItsInstanceVerifiesTheAnalyticalDefault() throws {
        #expect(KernelRegistry.families.contains("matmul"))
        for key in ["33x65x17", "1x576x576", "4x100x64/kn", "70x48x300/nk"] {
            let instance = try KernelRegistry.instance(family: "matmul", shape: key, pool: pool, seed: 7)
            #expect(type(of: instance).family == "matmul")
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
}
