import Foundation
import Testing
import KernelContract
@testable import Configs

@Suite struct TunedConfigFileTests {
    func sample(fingerprint: String = "fp-1") -> TunedConfig {
        let m = TunedConfig.Measurement(median: 100, min: 90, max: 110)
        let entry = TunedConfig.Entry(
            kernel: "matmul", shape: "1x576x576", params: ParameterSet(["mr": 8, "nr": 32]),
            measured: m,
            baseline: .init(params: ParameterSet(["mr": 6, "nr": 32]), gflops: .init(median: 50, min: 40, max: 60)),
            evaluations: 12)
        return TunedConfig(machine: .init(fingerprint: fingerprint, cpu: "test cpu", cores: 2, isa: ["avx512f"],
                                          caches: ["L1d 48 KiB"]),
                           createdAt: "2026-11-28T00:00:00Z", entries: [entry])
    }

    func tempPath(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ktune-configs-\(UUID().uuidString)")
        return dir.appendingPathComponent(name).path
    }

    @Test func writtenConfigLoadsBackIdentically() throws {
        let path = tempPath("c.json")
        try TunedConfigFile.write(sample(), to: path)
        guard case let .loaded(c) = TunedConfigFile.load(path, expectingFingerprint: "fp-1") else {
            Issue.record("expected the config to load"); return
        }
        #expect(c == sample())
        #expect(c.entries[0].speedup == 2)
        #expect(c.params(kernel: "matmul", shape: "1x576x576") == ParameterSet(["mr": 8, "nr": 32]))
    }

    @Test func configFromAnotherMachineFallsBackWithWarningNamingBoth() throws {
        let path = tempPath("c.json")
        try TunedConfigFile.write(sample(fingerprint: "other"), to: path)
        guard case let .fallback(w) = TunedConfigFile.load(path, expectingFingerprint: "fp-1") else {
            Issue.record("expected a fallback"); return
        }
        #expect(w.contains("other") && w.contains("fp-1") && w.contains(path))
    }

    @Test func truncatedConfigFallsBackWithWarningNamingFile() throws {
        let path = tempPath("c.json")
        try TunedConfigFile.write(sample(), to: path)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: path))
        guard case let .fallback(w) = TunedConfigFile.load(path, expectingFingerprint: "fp-1") else {
            Issue.record("expected a fallback"); return
        }
        #expect(w.contains(path) && w.contains("defaults"))
    }

    @Test func newerSchemaVersionIsNamedInTheWarning() throws {
        let path = tempPath("c.json")
        try TunedConfigFile.write(sample(), to: path)
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"schemaVersion\" : 1", with: "\"schemaVersion\" : 7")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        guard case let .fallback(w) = TunedConfigFile.load(path, expectingFingerprint: nil) else {
            Issue.record("expected a fallback"); return
        }
        #expect(w.contains("schemaVersion") && w.contains("7"))
    }

    @Test func missingFieldIsNamed() throws {
        let path = tempPath("c.json")
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try #"{"schemaVersion": 1, "createdAt": "x", "toolVersion": "0", "entries": []}"#.write(toFile: path, atomically: true, encoding: .utf8)
        guard case let .fallback(w) = TunedConfigFile.load(path, expectingFingerprint: nil) else {
            Issue.record("expected a fallback"); return
        }
        #expect(w.contains("machine"))
    }
}
