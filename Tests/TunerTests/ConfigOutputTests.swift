import Configs
import Foundation
import Kernels
import Testing
@testable import Tuner

/// The tuner-facing side of the tuned config: what `ktune tune` does with the file already at --out.
@Suite struct ConfigOutputTests {
    static let machine = MachineContext(
        fingerprint: "fp-this", traits: .fallback(cores: 2, maxSIMDLanes: 16),
        summary: .init(fingerprint: "fp-this", cpu: "test cpu", cores: 2, isa: ["avx512f"], caches: ["L1d 48 KiB 12-way"]))

    static func result(_ shape: String, chosen: Double = 120, base: Double = 100) -> ShapeResult {
        ShapeResult(target: TuneTarget(kernel: .matmul, shape: shape), spaceSize: 10,
                    defaultParams: ParameterSet(["kc": 128]), defaultGflops: .init(median: base, min: base, max: base),
                    chosenParams: ParameterSet(["kc": 256]), chosenGflops: .init(median: chosen, min: chosen, max: chosen),
                    strategyPick: ParameterSet(["kc": 256]), keptDefault: false, evaluations: 5, pointsMeasured: 5,
                    replayed: 0, outcomes: ["ok": 5], seconds: 1)
    }

    static func tempPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("ktune-out-\(UUID().uuidString)")
            .appendingPathComponent("tuned.json").path
    }

    @Test func truncatedExistingConfigIsReportedAndReplaced() throws {
        let path = Self.tempPath()
        try TunedConfigOutput.write([Self.result("8x8x8")], machine: Self.machine, to: path, createdAt: "t0")
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: path))
        let notes = try TunedConfigOutput.write([Self.result("16x16x16")], machine: Self.machine, to: path, createdAt: "t1")
        #expect(notes.count == 1 && notes[0].contains(path) && notes[0].contains("warning"))
        guard case let .loaded(c) = TunedConfigFile.load(path, expectingFingerprint: "fp-this") else {
            Issue.record("the rewritten config must load"); return
        }
        #expect(c.entries.map(\.shape) == ["16x16x16"])
    }

    @Test func truncatedConfigMakesTheReaderFallBackToDefaultsWithAWarning() throws {
        let path = Self.tempPath()
        try TunedConfigOutput.write([Self.result("8x8x8")], machine: Self.machine, to: path, createdAt: "t0")
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count - 10).write(to: URL(fileURLWithPath: path))
        guard case let .fallback(w) = TunedConfigFile.load(path, expectingFingerprint: "fp-this") else {
            Issue.record("a truncated config must fall back"); return
        }
        #expect(w.contains(path) && w.contains("analytical defaults"))
    }

    @Test func existingConfigOfThisMachineKeepsItsOtherShapes() throws {
        let path = Self.tempPath()
        try TunedConfigOutput.write([Self.result("8x8x8"), Self.result("4x4x4")], machine: Self.machine, to: path, createdAt: "t0")
        try TunedConfigOutput.write([Self.result("8x8x8", chosen: 130)], machine: Self.machine, to: path, createdAt: "t1")
        guard case let .loaded(c) = TunedConfigFile.load(path, expectingFingerprint: "fp-this") else {
            Issue.record("expected a config"); return
        }
        #expect(c.entries.map(\.shape) == ["4x4x4", "8x8x8"])
        #expect(c.entries.first { $0.shape == "8x8x8" }?.measured.median == 130)
        #expect(c.createdAt == "t1")
    }

    @Test func configOfAnotherMachineIsReplacedWithAWarning() throws {
        let path = Self.tempPath()
        var other = Self.machine
        other.fingerprint = "fp-other"
        other.summary.fingerprint = "fp-other"
        try TunedConfigOutput.write([Self.result("4x4x4")], machine: other, to: path, createdAt: "t0")
        let notes = try TunedConfigOutput.write([Self.result("8x8x8")], machine: Self.machine, to: path, createdAt: "t1")
        #expect(notes.contains { $0.contains("fp-other") })
        guard case let .loaded(c) = TunedConfigFile.load(path, expectingFingerprint: "fp-this") else {
            Issue.record("expected a config"); return
        }
        #expect(c.entries.map(\.shape) == ["8x8x8"])
    }

    @Test func entrySpeedupIsChosenOverDefault() {
        let e = Self.result("8x8x8", chosen: 150, base: 100).entry
        #expect(e?.speedup == 1.5)
        #expect(e?.baseline.params == ParameterSet(["kc": 128]))
    }
}
