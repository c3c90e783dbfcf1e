import Foundation
import Testing

/// `ktune probe` end to end: the built binary, its output and its exit status.
@Suite struct ProbeCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs the ktune binary built next to the test bundle; returns exit status, stdout, stderr.
    func ktune(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("ktune").path) && dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        let process = Process()
        process.executableURL = dir.appendingPathComponent("ktune")
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out; process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    @Test func probeWithoutBenchPrintsCachesAndExitsZero() throws {
        let r = try ktune(["probe", "--no-bench"])
        #expect(r.status == 0)
        #expect(r.out.contains("Fingerprint:"))
        #expect(r.out.contains("Core ×"))
    }

    @Test func jsonOfASavedTopologyDecodesWithItsCoreCount() throws {
        let path = Self.root.appendingPathComponent("profiles/machines/synthetic-4socket-smt2-sprlike.xml").path
        let r = try ktune(["probe", "--topology", path, "--json"])
        #expect(r.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any]
        #expect(object?["cores"] as? Int == 48)
        #expect(object?["hardwareThreads"] as? Int == 96)
    }

    @Test func malformedTopologyExitsNonZeroNamingTheFile() throws {
        let path = NSTemporaryDirectory() + "ktune-cli-bad-\(getpid()).xml"
        try "<topology><object".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try ktune(["probe", "--topology", path])
        #expect(r.status != 0)
        #expect(r.err.contains(path))
        #expect(r.err.contains("parser error") || r.err.contains("Invalid argument"))
    }
}
