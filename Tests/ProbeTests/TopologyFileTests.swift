import Foundation
import Testing
@testable import Probe

/// The shipped topologies in profiles/machines, probed offline, against values read from the files.
@Suite struct TopologyFileTests {
    static let machinesDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("profiles/machines").path

    static var shippedFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: machinesDirectory)) ?? [])
            .filter { $0.hasSuffix(".xml") }.sorted().map { machinesDirectory + "/" + $0 }
    }

    @Test func atLeastThisMachineAndTwoMultiSocketSMTTopologiesAreShipped() throws {
        let files = Self.shippedFiles
        #expect(files.count >= 3)
        var multiSocketSMT = 0
        for f in files {
            let m = try Prober.probe(topologyXML: f)
            if m.packages >= 2, let cores = m.cores, m.hardwareThreads > cores { multiSocketSMT += 1 }
        }
        #expect(multiSocketSMT >= 2)
    }

    @Test(arguments: shippedFiles)
    func shippedTopologyProbesToTheValuesInTheFile(path: String) throws {
        let expected = try TopologyXMLExpectations(path: path)
        let m = try Prober.probe(topologyXML: path)
        #expect(m.source == path)
        #expect(m.measured == nil)
        #expect(m.packages == expected.count("Package"))
        #expect(m.cores == (expected.count("Core") > 0 ? expected.count("Core") : nil))
        #expect(m.hardwareThreads == expected.count("PU"))
        #expect(m.numaNodes.count == expected.count("NUMANode"))
        #expect(m.numaNodes.compactMap(\.memoryBytes).reduce(0, +) == expected.numaMemory.reduce(0, +))
        #expect(Set(m.numaNodes.flatMap(\.cpus)).count <= expected.count("PU"))
        #expect(m.cpu.model == expected.packageInfo["CPUModel"])
        #expect(m.cpu.vendor == expected.packageInfo["CPUVendor"])

        // Caches: one entry per (level, kind), with the first instance's geometry and the instance count.
        let kinds = Dictionary(grouping: expected.caches) { "\($0.level)-\($0.kind.rawValue)" }
        #expect(m.caches.count == kinds.count)
        for (_, instances) in kinds {
            let e = instances[0]
            let c = try #require(m.cache(level: e.level, kind: e.kind))
            #expect(c.kind == e.kind)
            #expect(c.sizeBytes == e.size)
            #expect(c.lineBytes == (e.line == 0 ? nil : e.line))
            #expect(c.ways == (e.ways == 0 ? nil : e.ways))
            #expect(c.coresSharing == (e.cores > 0 ? e.cores : nil))
            #expect(c.count == instances.count)
        }
        if expected.caches.isEmpty {
            #expect(m.warnings.contains { $0.contains("no caches") })
        }

        // ISA: from the CPUFlags info attribute when the file has one, else unknown with a warning.
        if let flags = expected.packageInfo["CPUFlags"] {
            #expect(m.isa == ISAFeatures.canonical(fromFlags: flags.split(separator: " ")))
            #expect(!m.isa.isEmpty)
        } else {
            #expect(m.isaSource == "unknown")
            #expect(m.maxSIMDLanes == nil)
            #expect(m.warnings.contains { $0.contains("ISA features unknown") })
        }
    }

    @Test func topologyWithoutCachesGivesUnknownCachesAndAWarning() throws {
        let m = try Prober.probe(topologyXML: Self.machinesDirectory + "/synthetic-no-caches-wsl2like.xml")
        #expect(m.caches.isEmpty)
        #expect(m.cache(level: 1, kind: .data) == nil)
        #expect(m.warnings.contains { $0.contains("no caches") && $0.contains("unknown") })
        #expect(m.fingerprintSource.contains("caches=unknown"))
        #expect(m.cores == 8 && m.hardwareThreads == 16)
    }

    @Test func hwloc3FormatIsAnErrorSayingHowToConvert() throws {
        let path = Self.machinesDirectory + "/hwloc3-format/v3-format-heteromem.xml"
        do {
            _ = try Prober.probe(topologyXML: path)
            Issue.record("a hwloc 3.0 XML loaded in hwloc 2")
        } catch let error as ProbeError {
            guard case let .topologyFile(p, reason) = error else { Issue.record("wrong error \(error)"); return }
            #expect(p == path)
            #expect(reason.contains("hwloc 3.0 XML format"))
            #expect(reason.contains("lstopo --if xml -i \(path) --of v2xml"))
        }
    }

    @Test func malformedXMLIsAnErrorNamingTheFileAndHwlocsReason() throws {
        let path = NSTemporaryDirectory() + "ktune-malformed-\(getpid()).xml"
        try "<topology version=\"2.0\"><object type=\"Machine\"".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try Prober.probe(topologyXML: path)
            Issue.record("a malformed file loaded")
        } catch let error as ProbeError {
            guard case let .topologyFile(p, reason) = error else { Issue.record("wrong error \(error)"); return }
            #expect(p == path)
            #expect(reason.contains("parser error") || reason.contains("Invalid argument"))
            #expect(error.description.contains(path))
        }
    }

    @Test func xmlThatIsNotATopologyIsAnErrorNamingTheFile() throws {
        let path = NSTemporaryDirectory() + "ktune-not-topology-\(getpid()).xml"
        try "<?xml version=\"1.0\"?><config><x/></config>".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: ProbeError.self) { try Prober.probe(topologyXML: path) }
        do { _ = try Prober.probe(topologyXML: path) } catch { #expect("\(error)".contains(path)) }
    }

    @Test func missingFileIsAnErrorNamingTheFileAndTheOSReason() {
        let path = "/nonexistent/ktune/topology.xml"
        #expect(throws: ProbeError.topologyFile(path: path, reason: "No such file or directory")) {
            try Prober.probe(topologyXML: path)
        }
    }

    @Test func thisMachinesShippedTopologyHasTheLiveFingerprintWhenRunOnThatMachine() throws {
        let saved = try Prober.probe(topologyXML: Self.machinesDirectory + "/this-vm-amd-epyc-2core.xml")
        let live = try Prober.probe(options: ProbeOptions(benchmarks: false))
        // Only meaningful on the machine the file was saved from (CI machines differ).
        guard live.cpu.model == saved.cpu.model, live.cores == saved.cores, live.caches == saved.caches else { return }
        #expect(saved.fingerprint == live.fingerprint)
    }
}
