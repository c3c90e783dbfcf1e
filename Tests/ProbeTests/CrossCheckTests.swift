import Foundation
import Testing
@testable import Probe

/// The cross-check against /sys, fed a copy of this machine's /sys cache tree with one value changed.
@Suite struct CrossCheckTests {
    /// Copies /sys/devices/system/cpu/{online,cpuN/topology,cpuN/cache} and /proc/meminfo under a temp root.
    func copySysfs(to root: String) throws -> [String] {
        let fm = FileManager.default
        let base = "/sys/devices/system/cpu/"
        var copied: [String] = []
        func copy(_ rel: String) throws {
            guard let text = try? String(contentsOfFile: "/" + rel, encoding: .utf8) else { return }
            let dest = root + "/" + rel
            try fm.createDirectory(atPath: (dest as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: dest, atomically: true, encoding: .utf8)
            copied.append(rel)
        }
        try copy("sys/devices/system/cpu/online")
        try copy("proc/meminfo")
        for entry in try fm.contentsOfDirectory(atPath: base) where entry.hasPrefix("cpu") && Int(entry.dropFirst(3)) != nil {
            try copy("sys/devices/system/cpu/\(entry)/topology/core_id")
            try copy("sys/devices/system/cpu/\(entry)/topology/physical_package_id")
            for idx in 0..<8 {
                for f in ["level", "type", "size", "ways_of_associativity", "coherency_line_size", "shared_cpu_list"] {
                    try copy("sys/devices/system/cpu/\(entry)/cache/index\(idx)/\(f)")
                }
            }
        }
        return copied
    }

    @Test func identicalSysfsCopyGivesNoCacheWarnings() throws {
        let root = NSTemporaryDirectory() + "ktune-sys-same-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        _ = try copySysfs(to: root)
        let m = try Prober.probe(options: ProbeOptions(benchmarks: false, sysRoot: root))
        let cacheWarnings = m.warnings.filter { w in m.caches.contains { w.contains($0.name + " ") } || w.contains("caches") }
        #expect(cacheWarnings.isEmpty, "\(cacheWarnings)")
        #expect(!m.caches.isEmpty)
    }

    @Test func sysfsDisagreeingOnL2SizeIsReportedWithBothValues() throws {
        let root = NSTemporaryDirectory() + "ktune-sys-l2-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let copied = try copySysfs(to: root)
        let l2Sizes = copied.filter { $0.hasSuffix("/size") }.filter {
            (try? String(contentsOfFile: root + "/" + $0.replacingOccurrences(of: "/size", with: "/level"), encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) == "2"
        }
        guard !l2Sizes.isEmpty else { return }   // no L2 in /sys here: nothing to disagree about
        for f in l2Sizes { try "3K\n".write(toFile: root + "/" + f, atomically: true, encoding: .utf8) }
        let m = try Prober.probe(options: ProbeOptions(benchmarks: false, sysRoot: root))
        let hw = try #require(m.cache(level: 2, kind: .unified)?.sizeBytes)
        #expect(m.warnings.contains("L2 size: hwloc \(hw), /sys 3072"))
        #expect(m.cache(level: 2, kind: .unified)?.sizeBytes == hw)   // hwloc's value kept, not replaced
    }

    @Test func sysfsListAndSizeParsing() {
        #expect(SysfsTopology.parseList("0-3,8,10-11") == [0, 1, 2, 3, 8, 10, 11])
        #expect(SysfsTopology.parseList("") == [])
        #expect(SysfsTopology.parseSize("32K") == 32768)
        #expect(SysfsTopology.parseSize("32768K") == 32 << 20)
        #expect(SysfsTopology.parseSize("2M") == 2 << 20)
        #expect(SysfsTopology.parseSize("x") == nil)
    }
}
