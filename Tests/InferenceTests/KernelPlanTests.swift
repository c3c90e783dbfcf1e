import Foundation
import Testing
import Configs
import Kernels
import Models
@testable import Inference

@Suite("KernelPlan")
struct KernelPlanTests {
    static let traits = TestSupport.traits

    static func config(fingerprint: String = "fp-this", entries: [(String, String, ParameterSet)]) -> TunedConfig {
        let m = TunedConfig.Measurement(median: 10, min: 9, max: 11)
        return TunedConfig(
            machine: .init(fingerprint: fingerprint, cpu: "test CPU", cores: 2, isa: ["avx512f"], caches: []),
            createdAt: "2026-11-29T00:00:00Z",
            entries: entries.map { TunedConfig.Entry(kernel: $0.0, shape: $0.1, params: $0.2, measured: m,
                                                      baseline: .init(params: $0.2, gflops: m), evaluations: 1) })
    }

    static func write(_ config: TunedConfig) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ktune-plan-\(UUID().uuidString).json").path
        try TunedConfigFile.write(config, to: path)
        return path
    }

    static var skinnyParams: ParameterSet {
        var p = Matmul.analyticalDefault(m: 1, n: 576, k: 576, on: traits)
        p["sn"] = 64
        return p
    }

    @Test("no config: every shape uses the analytical default")
    func noConfigUsesDefaults() {
        let plan = KernelPlan.load(configPath: nil, fingerprint: "fp-this", machine: Self.traits, threads: 2)
        #expect(plan.origin == .analyticalDefaults)
        #expect(plan.warnings.isEmpty)
        let r = plan.resolve(.matmul(m: 1, n: 576, k: 576))
        #expect(r.choice == .analyticalDefault)
        #expect(r.params == Matmul.analyticalDefault(m: 1, n: 576, k: 576, on: plan.machine))
    }

    @Test("a config tuned on another machine gives the defaults and a warning naming both machines")
    func foreignConfigFallsBack() throws {
        let path = try Self.write(Self.config(fingerprint: "fp-other", entries: [("matmul", "1x576x576", Self.skinnyParams)]))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let plan = KernelPlan.load(configPath: path, fingerprint: "fp-this", machine: Self.traits, threads: 2)
        #expect(plan.origin == .analyticalDefaults)
        #expect(plan.warnings.count == 1)
        #expect(plan.warnings.first?.contains("fp-other") == true)
        #expect(plan.resolve(.matmul(m: 1, n: 576, k: 576)).choice == .analyticalDefault)
    }

    @Test("a corrupt or missing config gives the defaults and a warning naming the file")
    func corruptConfigFallsBack() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ktune-corrupt-\(UUID().uuidString).json").path
        try Data("{\"schemaVersion\": 1, \"entries\": [".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        for p in [path, "/nonexistent/tuned.json"] {
            let plan = KernelPlan.load(configPath: p, fingerprint: "fp-this", machine: Self.traits, threads: 2)
            #expect(plan.origin == .analyticalDefaults)
            #expect(plan.warnings.first?.contains(p) == true)
        }
    }

    @Test("exact shapes use the tuned entry, untuned ones the nearest bucket with the same fixed dims, else the default")
    func bucketSelection() throws {
        var prefill = Matmul.analyticalDefault(m: 64, n: 576, k: 576, on: Self.traits)
        prefill["kc"] = 128
        let attention = ParameterSet(["threads": 2, "block": 64])
        let plan = KernelPlan(config: Self.config(entries: [
            ("matmul", "1x576x576", Self.skinnyParams),
            ("matmul", "64x576x576", prefill),
            ("attention.decode", "L=256,h=9,kv=3,d=64", attention),
            ("attention.decode", "L=1024,h=9,kv=3,d=64", ParameterSet(["threads": 1, "block": 128])),
        ]), path: "t.json", machine: Self.traits, threads: 2)
        #expect(plan.resolve(.matmul(m: 1, n: 576, k: 576)).choice == .tuned)
        #expect(plan.resolve(.matmul(m: 1, n: 576, k: 576)).params == Self.skinnyParams)
        // m = 2 is nearest to the skinny bucket m = 1.
        #expect(plan.resolve(.matmul(m: 2, n: 576, k: 576)).choice == .bucket("1x576x576"))
        // m = 40 is nearer to 64, and a skinny choice never applies above 16 rows anyway.
        #expect(plan.resolve(.matmul(m: 40, n: 576, k: 576)).params == prefill)
        #expect(plan.resolve(.matmul(m: 512, n: 576, k: 576)).choice == .bucket("64x576x576"))
        // Different N: no bucket.
        #expect(plan.resolve(.matmul(m: 1, n: 1536, k: 576)).choice == .analyticalDefault)
        // Decode attention lengths bucket to the nearest tuned length of the same head layout.
        #expect(plan.resolve(.attentionDecode(length: 300, heads: 9, kvHeads: 3, headDim: 64)).params == attention)
        #expect(plan.resolve(.attentionDecode(length: 900, heads: 9, kvHeads: 3, headDim: 64)).choice == .bucket("L=1024,h=9,kv=3,d=64"))
        #expect(plan.resolve(.attentionDecode(length: 300, heads: 8, kvHeads: 8, headDim: 64)).choice == .analyticalDefault)
    }

    @Test("tuned thread counts above the pool's are clamped")
    func threadsClamped() {
        var p = Self.skinnyParams
        p["threads"] = 8
        let plan = KernelPlan(config: Self.config(entries: [("matmul", "1x576x576", p)]), machine: Self.traits, threads: 1)
        #expect(plan.resolve(.matmul(m: 1, n: 576, k: 576)).params["threads"] == 1)
    }

    @Test("a tuned choice the kernel rejects is replaced by the default, with a warning, and the result is right")
    func rejectedTunedChoiceFallsBack() throws {
        var bad = Matmul.analyticalDefault(m: 3, n: 64, k: 32, on: Self.traits)
        bad["mr"] = 999   // no such micro-kernel
        let plan = KernelPlan(config: Self.config(entries: [("matmul", "3x64x32", bad)]), machine: Self.traits, threads: 2)
        let runner = KernelRunner(pool: TestSupport.pool, plan: plan)
        let x = FloatBuffer((0..<(3 * 32)).map { Float($0 % 7) - 3 })
        let w = FloatBuffer((0..<(64 * 32)).map { Float($0 % 5) - 2 })
        let out = FloatBuffer(count: 3 * 64), ref = FloatBuffer(count: 3 * 64)
        try runner.linear(x.pointer, rows: 3, ldx: 32, weight: .f32(w, rows: 64, cols: 32), out: out.pointer, ldout: 64)
        Matmul.reference(m: 3, n: 64, k: 32, a: x.pointer, lda: 32, b: w.pointer, ldb: 32, bLayout: .nk, c: ref.pointer, ldc: 64, accumulate: false)
        #expect(out.array == ref.array)
        #expect(plan.warnings.count == 1)
        #expect(plan.resolve(.matmul(m: 3, n: 64, k: 32)).choice == .analyticalDefault)
    }

    @Test("shape keys parse and bucket by the runtime dimension only")
    func shapeKeys() throws {
        let a = try #require(ShapeKey(family: "attention.prefill", "T=512,past=0,h=9,kv=3,d=64"))
        let b = try #require(ShapeKey(family: "attention.prefill", "T=128,past=0,h=9,kv=3,d=64"))
        #expect(a.distance(to: b, family: "attention.prefill") != nil)
        let c = try #require(ShapeKey(family: "attention.prefill", "T=512,past=0,h=8,kv=8,d=64"))
        #expect(a.distance(to: c, family: "attention.prefill") == nil)
        #expect(ShapeKey(family: "matmul", "1x2") == nil)
        #expect(ShapeKey(family: "matmul", "0x2x3") == nil)
        #expect(ShapeKey(family: "expert-gather", "T=a") == nil)
    }
}
