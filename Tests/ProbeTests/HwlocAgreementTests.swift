import Foundation
import Testing
@testable import Probe

/// Every shipped topology, probed by ktune, against what hwloc's own tools (hwloc-info, lstopo) report for
/// the same file: packages, NUMA nodes (memory, CPUs, kind, tier, memory attributes), cores or "unknown",
/// PUs, every cache instance's geometry and sharing (as groups), core kinds with their cores, threads and
/// infos, and CXL/DAX memory devices.
@Suite(.enabled(if: HwlocTools.available, "needs Debian's hwloc package (scripts/setup.sh installs it)"))
struct HwlocAgreementTests {
    static let files = TopologyFileTests.shippedFiles

    static let cacheTypes = ["l1cache", "l1icache", "l2cache", "l2icache", "l3cache", "l3icache", "l4cache", "l5cache"]

    @Test(arguments: files)
    func probeAgreesWithHwlocsTools(path: String) throws {
        let tools = HwlocTools(path: path)
        let m = try Prober.probe(topologyXML: path)
        let counts = try tools.counts()

        #expect(m.packages == counts["Package"] ?? 0)
        #expect(m.hardwareThreads == counts["PU"])
        #expect(m.numaNodes.count == counts["NUMANode"] ?? 0)
        let coreObjects = try tools.objects("core")
        let puObjects = try tools.objects("pu")
        if let c = counts["Core"], c > 0 {
            #expect(m.cores == c)
            #expect(!m.fingerprintSource.contains("cores=unknown"))
        } else {
            #expect(m.cores == nil)
            #expect(m.fingerprintSource.contains("cores=unknown;threads=\(m.hardwareThreads)"))
            #expect(m.warnings.contains { $0.contains("no Core objects") && $0.contains("cores unknown") })
        }
        #expect(m.schedulableCores == max(1, counts["Core"].flatMap { $0 > 0 ? $0 : nil } ?? m.hardwareThreads))

        // NUMA nodes, in hwloc's logical order.
        let nodes = try tools.objects("numanode")
        for (n, h) in zip(m.numaNodes, nodes) {
            #expect(n.index == h.int("os index"))
            #expect(n.memoryBytes.map(Int.init) == h.int("local memory").flatMap { $0 > 0 ? $0 : nil })
            #expect(Set(n.cpus) == h.cpus)
            #expect(n.kind == h.fields["subtype"])
            #expect(n.tier == h.int("info MemoryTier"))
            #expect(n.highBandwidth == ["HBM", "MCDRAM"].contains(h.fields["subtype"] ?? ""))
            #expect(n.cxl == (h.fields["subtype"]?.contains("CXL") ?? false))
            // "memory attribute NAME [from initiator X] = V", Capacity and Locality left out.
            var expected: [String] = []
            for line in h.lines where line.hasPrefix("memory attribute ") {
                let rest = line.dropFirst("memory attribute ".count)
                guard let eq = rest.range(of: " = ", options: .backwards) else { continue }
                let lhs = rest[..<eq.lowerBound], value = rest[eq.upperBound...]
                let parts = lhs.components(separatedBy: " from initiator ")
                if parts[0] == "Capacity" || parts[0] == "Locality" { continue }
                var initiator = "-"
                if parts.count > 1 {
                    initiator = parts[1].hasPrefix("0x") ? HwlocTools.cpus(parts[1]).sorted().description
                        : parts[1].split(separator: " ").prefix(2).joined(separator: " ")
                }
                expected.append("\(parts[0])|\(initiator)|\(value)")
            }
            let ours = n.attributes.map { a in
                "\(a.name)|\(a.initiatorObject ?? a.initiatorCPUs.map { $0.sorted().description } ?? "-")|\(a.value)"
            }
            #expect(ours.sorted() == expected.sorted(), "memory attributes of NUMA node P#\(n.index)")
        }

        // Caches: every instance of every type, grouped like the prober groups them.
        let coreSets = coreObjects.map(\.cpus)
        let puCount = { (set: Set<Int>) in puObjects.filter { $0.cpus.isSubset(of: set) }.count }
        let kinds = try tools.kinds()
        var present = 0
        for type in Self.cacheTypes {
            let instances = try tools.objects(type)
            guard let first = instances.first else { continue }
            present += 1
            let level = first.int("attr cache depth") ?? -1
            let kind: CacheInfo.Kind = switch first.fields["attr cache type"] {
            case "Data": .data
            case "Instruction": .instruction
            default: .unified
            }
            let c = try #require(m.caches.first { $0.level == level && $0.kind == kind }, "\(type) in \(path)")
            var groups: [CacheInstanceGroup] = []
            for o in instances {
                func known(_ k: String) -> Int? { o.int(k).flatMap { $0 == 0 ? nil : $0 } }
                let cores = coreSets.filter { $0.isSubset(of: o.cpus) }.count
                let threads = puCount(o.cpus)
                let g = CacheInstanceGroup(sizeBytes: known("attr cache size"), lineBytes: known("attr cache line size"),
                                           ways: known("attr cache ways"), coresSharing: cores > 0 ? cores : nil,
                                           threadsSharing: threads > 0 ? threads : nil, count: 1,
                                           coreKinds: kinds.count < 2 ? [] : kinds.filter { !$0.cpus.isDisjoint(with: o.cpus) }.map(\.index))
                if let i = groups.firstIndex(where: { var x = $0; x.count = 1; return x == g }) { groups[i].count += 1 }
                else { groups.append(g) }
            }
            #expect(c.count == instances.count)
            #expect(c.groups == groups, "\(c.name) instance groups")
            #expect(c.sizeBytes == groups[0].sizeBytes && c.coresSharing == groups[0].coresSharing)
            if groups.count > 1 && Set(groups.map(\.sizeBytes)).count + Set(groups.map(\.ways)).count
                + Set(groups.map(\.lineBytes)).count > 3 {
                // A warning that names the instances' real figures, never "X B vs X B".
                let w = try #require(m.warnings.first { $0.hasPrefix("\(c.name) instances differ in") })
                for g in groups { #expect(w.contains("\(g.count) × \(ByteText.format(g.sizeBytes)) \(ByteText.ways(g.ways))")) }
            }
        }
        #expect(m.caches.count == present)

        // Core kinds: lstopo --cpukinds, with cores counted as hwloc-calc does (cores intersecting the set).
        #expect(m.coreKinds.count == kinds.count)
        for (k, h) in zip(m.coreKinds, kinds) {
            #expect(k.index == h.index)
            #expect(k.efficiency == (h.efficiency < 0 ? nil : h.efficiency))
            let pus = Set(puObjects.compactMap { $0.int("os index") }).intersection(h.cpus)
            #expect(Set(k.cpus) == pus && k.hardwareThreads == pus.count)
            #expect(k.infos == h.infos)
            let mine = coreSets.filter { !$0.isDisjoint(with: h.cpus) }.count
            #expect(k.cores == (coreSets.isEmpty ? nil : mine))
            // Each PU's own kind, as hwloc-info reports it, agrees with the kind's CPU list.
            for pu in puObjects where pu.int("cpukind") == h.index { #expect(k.cpus.contains(pu.int("os index") ?? -1)) }
        }
        if kinds.count > 1 { #expect(m.fingerprintSource.contains(";kinds=")) }

        // CXL and DAX memory devices among the OS devices.
        let devices = try tools.objects("osdev", extra: ["--filter", "os:all", "--filter", "pci:none"])
            .filter { ($0.fields["subtype"] ?? "").contains("CXL") || $0.fields["info DAXType"] != nil }
        #expect(m.memoryDevices.map(\.name).sorted() == devices.compactMap { $0.fields["name"] }.sorted())
        for d in devices {
            let ours = try #require(m.memoryDevices.first { $0.name == d.fields["name"] })
            #expect(ours.ramBytes == d.int("info CXLRAMSize").map { Int64($0) * 1024 })
            #expect(ours.persistentBytes == d.int("info CXLPMEMSize").map { Int64($0) * 1024 })
        }
    }

    @Test func theShippedFilesCoverHybridCoresMemoryKindsAndMissingCores() throws {
        let machines = try Self.files.map { try Prober.probe(topologyXML: $0) }
        #expect(machines.filter(\.isHybrid).count >= 3)                       // Raptor Lake, Arrow Lake, fake kinds
        #expect(machines.contains { $0.numaNodes.contains(where: \.highBandwidth) })   // KNL MCDRAM
        #expect(machines.contains { $0.memoryDevices.contains(where: \.cxl) })         // CXL expanders
        #expect(machines.contains { $0.cores == nil })                                  // no Core objects
        #expect(machines.contains { $0.numaNodes.contains { !$0.attributes.isEmpty } }) // memory attributes
    }
}
