import Foundation
import Testing
@testable import Probe

/// Reads /sys directly (not through the prober's own reader) so the comparison has an independent witness.
struct SysfsWitness {
    struct Cache: Hashable { var level: Int; var type: String; var size: Int?; var line: Int?; var ways: Int?; var shared: String }
    var caches: [Cache] = []
    var cores = 0
    var cpus: [Int] = []

    init() {
        func read(_ p: String) -> String? {
            (try? String(contentsOfFile: p, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let base = "/sys/devices/system/cpu/"
        cpus = ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [])
            .compactMap { $0.hasPrefix("cpu") ? Int($0.dropFirst(3)) : nil }
            .filter { read(base + "cpu\($0)/online") != "0" }.sorted()
        var coreIDs = Set<String>()
        var all = Set<Cache>()
        for cpu in cpus {
            let t = base + "cpu\(cpu)/topology/"
            coreIDs.insert((read(t + "physical_package_id") ?? "?") + "/" + (read(t + "core_id") ?? "\(cpu)"))
            for idx in 0..<16 {
                let d = base + "cpu\(cpu)/cache/index\(idx)/"
                guard let level = read(d + "level").flatMap({ Int($0) }), let type = read(d + "type") else { continue }
                let size = read(d + "size").flatMap { s -> Int? in
                    s.hasSuffix("K") ? Int(s.dropLast()).map { $0 * 1024 } : s.hasSuffix("M") ? Int(s.dropLast()).map { $0 << 20 } : Int(s)
                }
                let ways = read(d + "ways_of_associativity").flatMap { Int($0) }
                all.insert(Cache(level: level, type: type, size: size, line: read(d + "coherency_line_size").flatMap { Int($0) },
                                 ways: ways == 0 ? nil : ways, shared: read(d + "shared_cpu_list") ?? "\(cpu)"))
            }
        }
        caches = Array(all)
        cores = coreIDs.count
    }

    /// CPUs in a "0-3,8" list.
    static func count(_ list: String) -> Int {
        list.split(separator: ",").reduce(0) { n, part in
            let e = part.split(separator: "-").compactMap { Int($0) }
            return n + (e.count == 2 ? e[1] - e[0] + 1 : 1)
        }
    }
}

@Suite struct ThisMachineTests {
    @Test func probeAgreesWithSysfsForEveryCacheLevelAndTheCoreCount() throws {
        let m = try Prober.probe(options: ProbeOptions(benchmarks: false))
        let sys = SysfsWitness()
        #expect(m.cores == sys.cores)
        #expect(m.hardwareThreads == sys.cpus.count)
        if sys.caches.isEmpty {
            // No cache information in /sys (WSL2, some containers): unknown plus a warning, never invented.
            #expect(m.caches.isEmpty || m.warnings.contains { $0.contains("/sys") })
            return
        }
        let groups = Dictionary(grouping: sys.caches) { "\($0.level)-\($0.type)" }
        #expect(m.caches.count == groups.count)
        for (_, instances) in groups {
            let s = instances[0]
            let kind: CacheInfo.Kind = s.type == "Data" ? .data : s.type == "Instruction" ? .instruction : .unified
            let c = try #require(m.cache(level: s.level, kind: kind), "probe lacks L\(s.level) \(s.type)")
            #expect(c.kind == kind)
            #expect(c.sizeBytes == s.size, "L\(s.level) \(s.type) size")
            #expect(c.lineBytes == s.line, "L\(s.level) \(s.type) line")
            #expect(c.ways == s.ways, "L\(s.level) \(s.type) ways")
            #expect(c.count == instances.count, "L\(s.level) \(s.type) instances")
            #expect(c.threadsSharing == SysfsWitness.count(s.shared), "L\(s.level) \(s.type) sharing")
        }
        #expect(m.cpu.model != nil)
        #expect(m.measured == nil)
    }

    @Test func isaMatchesTheFlagsOfProcCpuinfo() throws {
        let m = try Prober.probe(options: ProbeOptions(benchmarks: false))
        let text = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") || $0.hasPrefix("Features") }),
              let colon = line.firstIndex(of: ":") else {
            #expect(m.isaSource == "unknown"); return
        }
        let flags = Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        for (flag, name) in ISAFeatures.table {
            if flags.contains(flag) { #expect(m.isa.contains(name), "\(flag) → \(name)") }
        }
        #expect(m.isa.allSatisfy { name in ISAFeatures.table.contains { $0.name == name && flags.contains($0.flag) } })
        #expect(m.isaSource == "/proc/cpuinfo")
    }

    @Test func numaMemoryDisagreementWithMeminfoIsReported() throws {
        let m = try Prober.probe(options: ProbeOptions(benchmarks: false))
        let meminfo = try String(contentsOfFile: "/proc/meminfo", encoding: .utf8)
        let kb = meminfo.split(separator: "\n").first { $0.hasPrefix("MemTotal:") }
            .flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Int64($0) }
        let total = try #require(kb) * 1024
        #expect(m.memoryBytes == total)
        let nodes = m.numaNodes.compactMap(\.memoryBytes).reduce(0, +)
        let warned = m.warnings.contains { $0.contains("MemTotal") }
        #expect(warned == (nodes > 0 && Double(nodes) < 0.9 * Double(total)))
    }

    @Test func fingerprintIsStableAcrossProbesAndIgnoresMeasuredFigures() throws {
        let a = try Prober.probe(options: ProbeOptions(benchmarks: false))
        let b = try Prober.probe(options: ProbeOptions(benchmarks: false))
        #expect(a.fingerprint == b.fingerprint)
        #expect(a.fingerprint.count == 16)
        #expect(a.fingerprint == Fingerprint.fnv1a64Hex(a.fingerprintSource))
        var c = a
        c.measured = nil; c.memoryBytes = 1; c.warnings = ["other"]
        let roundTrip = try JSONDecoder().decode(Machine.self, from: JSONEncoder().encode(c))
        #expect(roundTrip == c)
        #expect(roundTrip.fingerprint == a.fingerprint)
        let other = try Prober.probe(topologyXML: TopologyFileTests.machinesDirectory + "/synthetic-2socket-smt2-zen5like.xml")
        #expect(other.fingerprint != a.fingerprint)
    }
}
