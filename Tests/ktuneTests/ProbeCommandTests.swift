import Foundation
import Testing

/// `ktune probe` end to end: the built binary, its output and its exit status.
@Suite struct ProbeCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs the ktune binary built next to the test bundle; returns exit status, stdout, stderr.
    func ktune(_ arguments: [String], in directory: URL? = nil) throws -> (status: Int32, out: String, err: String) {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("ktune").path) && dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        let process = Process()
        process.executableURL = dir.appendingPathComponent("ktune")
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
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

    /// The text summary of the two hybrid laptops, against reviewed golden files (Tests/ktuneTests/Golden):
    /// cores per kind, L2s shared by 1 and by 4 (and, on Arrow Lake, 2) cores, the two low-power E-cores
    /// outside the L3, warnings that name what differs. The counts themselves are checked against hwloc in
    /// ProbeTests.HwlocAgreementTests.
    @Test(arguments: ["Intel-RaptorLake-Corei7-1370P", "Intel-ArrowLake-CoreUltra5-225U"])
    func hybridLaptopSummaryMatchesItsGoldenFile(name: String) throws {
        let r = try ktune(["probe", "--topology", "profiles/machines/\(name).xml", "--no-bench"], in: Self.root)
        #expect(r.status == 0)
        let golden = Self.root.appendingPathComponent("Tests/ktuneTests/Golden/probe-\(name).txt")
        if ProcessInfo.processInfo.environment["KTUNE_UPDATE_GOLDEN"] == "1" {
            try r.out.write(to: golden, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: golden, encoding: .utf8)
        #expect(r.out == expected)
    }

    @Test func raptorLakeSummarySaysWhichCoresAreWhichKind() throws {
        let r = try ktune(["probe", "--topology", "profiles/machines/Intel-RaptorLake-Corei7-1370P.xml"], in: Self.root)
        #expect(r.out.contains("14 cores (6 IntelCore + 8 IntelAtom), 20 hardware threads"))
        #expect(r.out.contains("Core ×6 IntelCore (efficiency 1) + PU ×2 each (SMT); Core ×8 IntelAtom (efficiency 0) + PU ×1 each"))
        #expect(r.out.contains("L2 (1.25 MiB ×6, 1 core each IntelCore; 2 MiB ×2, 4 cores each IntelAtom)"))
        #expect(!r.out.contains("65536 B vs 65536 B"))
    }

    @Test func jsonOfAHybridTopologyCarriesKindsGroupsAndMemory() throws {
        let r = try ktune(["probe", "--topology", "profiles/machines/Intel-RaptorLake-Corei7-1370P.xml", "--no-bench",
                           "--json"], in: Self.root)
        #expect(r.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let kinds = try #require(object["coreKinds"] as? [[String: Any]])
        #expect(kinds.count == 2)
        #expect(kinds.map { ($0["infos"] as? [String: String])?["CoreType"] } == ["IntelAtom", "IntelCore"])
        #expect(kinds.map { $0["cores"] as? Int } == [8, 6])
        let l2 = try #require((object["caches"] as? [[String: Any]])?.first { $0["level"] as? Int == 2 })
        #expect((l2["groups"] as? [[String: Any]])?.map { $0["coresSharing"] as? Int } == [1, 4])
        let noCores = try ktune(["probe", "--topology", "profiles/machines/8intel64-4n2t-memattrs.xml", "--json"], in: Self.root)
        let o2 = try #require(try JSONSerialization.jsonObject(with: Data(noCores.out.utf8)) as? [String: Any])
        #expect(o2["cores"] is NSNull)
        #expect(o2["hardwareThreads"] as? Int == 8)
    }

    @Test func hwloc3FormatTopologyFailsSayingHowToConvertIt() throws {
        let r = try ktune(["probe", "--topology", "profiles/machines/hwloc3-format/v3-format-heteromem.xml"], in: Self.root)
        #expect(r.status != 0)
        #expect(r.err.contains("profiles/machines/hwloc3-format/v3-format-heteromem.xml"))
        #expect(r.err.contains("3.0"))
        #expect(r.err.contains("lstopo") && r.err.contains("--of v2xml"))
    }
}
