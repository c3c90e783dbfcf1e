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

    @Test("a machine that cannot be probed (no fingerprint) refuses every config with a warning")
    func unprobeableMachineRefusesConfigs() throws {
        let path = try Self.write(Self.config(entries: [("matmul", "1x576x576", Self.skinnyParams)]))
        defer { try? FileManager.default.removeItem(atPath: path) }
        for fp: String? in [nil, ""] {
            let plan = KernelPlan.load(configPath: path, fingerprint: fp, machine: Self.traits, threads: 2)
            #expect(plan.origin == .analyticalDefaults)
            #expect(plan.warnings.count == 1 && plan.warnings[0].contains(path) && plan.warnings[0].contains("could not be probed"))
            #expect(plan.resolve(.matmul(m: 1, n: 576, k: 576)).choice == .analyticalDefault)
        }
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

    @Test("exact shapes use the tuned entry, others the entry of their own bucket, never a far bucket's")
    func bucketSelection() throws {
        var prefill = Matmul.analyticalDefault(m: 64, n: 576, k: 576, on: Self.traits)
        prefill["kc"] = 128
        let attention = ParameterSet(["lanes": 8, "threads": 2, "block": 64, "chunk": 256, "kvsplit": 1, "pf": 64])
        let far = ParameterSet(["lanes": 8, "threads": 1, "block": 128, "chunk": 512, "kvsplit": 1, "pf": 128])
        let plan = KernelPlan(config: Self.config(entries: [
            ("matmul", "1x576x576", Self.skinnyParams),
            ("matmul", "64x576x576", prefill),
            ("attention.decode", "L=256,h=9,kv=3,d=64", attention),
            ("attention.decode", "L=1024,h=9,kv=3,d=64", far),
        ]), path: "t.json", machine: Self.traits, threads: 2)
        #expect(plan.warnings.isEmpty, "\(plan.warnings)")
        #expect(plan.resolve(.matmul(m: 1, n: 576, k: 576)).choice == .tuned)
        #expect(plan.resolve(.matmul(m: 1, n: 576, k: 576)).params == Self.skinnyParams)
        // m = 2 is bucket 2: the m = 1 entry is another bucket.
        #expect(plan.resolve(.matmul(m: 2, n: 576, k: 576)).choice == .analyticalDefault)
        // m = 37 and m = 40 are in bucket 64 (33...64).
        #expect(plan.resolve(.matmul(m: 37, n: 576, k: 576)).choice == .bucket("64x576x576"))
        #expect(plan.resolve(.matmul(m: 40, n: 576, k: 576)).params == prefill)
        // m = 512 has no entry in its bucket: the default, not the m = 64 parameters.
        #expect(plan.resolve(.matmul(m: 512, n: 576, k: 576)).choice == .analyticalDefault)
        #expect(plan.resolve(.matmul(m: 16, n: 576, k: 576)).choice == .analyticalDefault)
        // Different N: no bucket.
        #expect(plan.resolve(.matmul(m: 1, n: 1536, k: 576)).choice == .analyticalDefault)
        // Decode attention lengths: 129...256 take the L = 256 entry, 513...1024 the L = 1024 one.
        #expect(plan.resolve(.attentionDecode(length: 200, heads: 9, kvHeads: 3, headDim: 64)).params == attention)
        #expect(plan.resolve(.attentionDecode(length: 900, heads: 9, kvHeads: 3, headDim: 64)).choice == .bucket("L=1024,h=9,kv=3,d=64"))
        #expect(plan.resolve(.attentionDecode(length: 300, heads: 9, kvHeads: 3, headDim: 64)).choice == .analyticalDefault)
        #expect(plan.resolve(.attentionDecode(length: 2000, heads: 9, kvHeads: 3, headDim: 64)).choice == .analyticalDefault)
        #expect(plan.resolve(.attentionDecode(length: 200, heads: 8, kvHeads: 8, headDim: 64)).choice == .analyticalDefault)
    }

    @Test("entries with an unknown family, an unparseable shape key or out-of-range parameters are dropped with a warning naming the file and entry")
    func badEntriesWarn() throws {
        var huge = Self.skinnyParams
        huge["threads"] = 1 << 20
        var zero = Matmul.analyticalDefault(m: 64, n: 576, k: 576, on: Self.traits)
        zero["kc"] = 0
        var negative = Matmul.analyticalDefault(m: 128, n: 576, k: 576, on: Self.traits)
        negative["mc"] = -8
        let good = Matmul.analyticalDefault(m: 256, n: 576, k: 576, on: Self.traits)
        let path = try Self.write(Self.config(entries: [
            ("conv2d", "1x576x576", Self.skinnyParams),
            ("matmul", "1x576", Self.skinnyParams),
            ("matmul", "1x576x576", huge),
            ("matmul", "64x576x576", zero),
            ("matmul", "128x576x576", negative),
            ("attention.decode", "L=abc,h=9,kv=3,d=64", ParameterSet(["lanes": 8, "threads": 1, "block": 64, "chunk": 64, "kvsplit": 1, "pf": 64])),
            ("matmul", "256x576x576", good),
        ]))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let plan = KernelPlan.load(configPath: path, fingerprint: "fp-this", machine: Self.traits, threads: 2)
        let w = plan.warnings
        #expect(w.count == 6, "\(w)")
        #expect(w.allSatisfy { $0.hasPrefix(path + ": entry [") && $0.contains("analytical default") })
        #expect(w[0].contains("entry [0]") && w[0].contains("unknown kernel family 'conv2d'"))
        #expect(w[1].contains("entry [1]") && w[1].contains("does not parse"))
        #expect(w[2].contains("entry [2]") && w[2].contains("threads=1048576 is outside 1...1024"))
        #expect(w[3].contains("entry [3]") && w[3].contains("kc=0 is outside"))
        #expect(w[4].contains("entry [4]") && w[4].contains("mc=-8 is outside"))
        #expect(w[5].contains("entry [5]") && w[5].contains("attention.decode"))
        for m in [1, 64, 128] {
            let r = plan.resolve(.matmul(m: m, n: 576, k: 576))
            #expect(r.choice == .analyticalDefault && r.params == Matmul.analyticalDefault(m: m, n: 576, k: 576, on: plan.machine))
        }
        #expect(plan.resolve(.matmul(m: 256, n: 576, k: 576)).choice == .tuned)
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

    @Test("workload kinds map to the contract's family and typed shape")
    func opMapping() throws {
        let k = KernelWorkload.Kind.attentionPrefill(tokens: 37, past: 0, heads: 9, kvHeads: 3, headDim: 64)
        #expect(k.family == .attentionPrefill)
        #expect(k.shape?.key == "T=37,past=0,h=9,kv=3,d=64" && k.shape?.bucketKey == "T=64,past=0,h=9,kv=3,d=64")
        #expect(KernelWorkload.Kind.matmul(m: 0, n: 2, k: 3).shape == nil)
        for kind in [KernelWorkload.Kind.matmul(m: 3, n: 4, k: 5), .attentionDecode(length: 9, heads: 2, kvHeads: 1, headDim: 8),
                     .expertGather(tokens: 4, hidden: 8, ffn: 8, experts: 4, topK: 2)] {
            let shape = try #require(kind.shape)
            #expect(try KernelRegistry.family(named: kind.family.rawValue).shape(shape.key).key == shape.key)
        }
    }
}
