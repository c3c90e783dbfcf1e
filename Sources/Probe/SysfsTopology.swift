import Foundation

/// What Linux's /sys and /proc say about caches, cores and memory: the independent witness the prober
/// cross-checks hwloc and libnuma against.
struct SysfsTopology {
    /// Caches per (level, kind) as /sys/devices/system/cpu/cpu*/cache/index* describe them.
    var caches: [CacheInfo] = []
    /// Physical cores: distinct (physical_package_id, core_id) pairs among online CPUs; nil if unreadable.
    var cores: Int?
    /// Per NUMA node: MemTotal from /sys/devices/system/node/nodeN/meminfo.
    var nodeMemoryBytes: [Int: Int64] = [:]
    /// MemTotal from /proc/meminfo.
    var memTotalBytes: Int64?

    /// Reads the tree under `root` ("/" normally; another directory holding the same layout for tests).
    init(root: String = "/") {
        let base = root.hasSuffix("/") ? root : root + "/"
        let cpuDir = base + "sys/devices/system/cpu/"
        func text(_ path: String) -> String? {
            (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingWhitespace
        }
        let fm = FileManager.default
        let cpuIDs = ((try? fm.contentsOfDirectory(atPath: cpuDir)) ?? [])
            .compactMap { $0.hasPrefix("cpu") ? Int($0.dropFirst(3)) : nil }.sorted()
        let online = text(cpuDir + "online").map(Self.parseList) ?? cpuIDs
        var coreOf: [Int: String] = [:]
        for cpu in online {
            let t = cpuDir + "cpu\(cpu)/topology/"
            if let core = text(t + "core_id"), let pkg = text(t + "physical_package_id") { coreOf[cpu] = pkg + "/" + core }
        }
        cores = coreOf.isEmpty ? nil : Set(coreOf.values).count

        struct Key: Hashable { var level: Int; var kind: CacheInfo.Kind }
        var instances: [Key: [String: CacheInfo]] = [:]   // key → shared_cpu_list → cache
        for cpu in online {
            let cacheDir = cpuDir + "cpu\(cpu)/cache/"
            let indexes = ((try? fm.contentsOfDirectory(atPath: cacheDir)) ?? []).filter { $0.hasPrefix("index") }
            for index in indexes {
                let d = cacheDir + index + "/"
                guard let level = text(d + "level").flatMap({ Int($0) }), let type = text(d + "type") else { continue }
                let kind: CacheInfo.Kind = type == "Data" ? .data : type == "Instruction" ? .instruction : .unified
                let shared = text(d + "shared_cpu_list") ?? "cpu\(cpu)"
                let sharedCPUs = Self.parseList(shared)
                let sharingCores = Set(sharedCPUs.compactMap { coreOf[$0] }).count
                let ways = text(d + "ways_of_associativity").flatMap { Int($0) }
                let info = CacheInfo(level: level, kind: kind, sizeBytes: text(d + "size").flatMap(Self.parseSize),
                                     lineBytes: text(d + "coherency_line_size").flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil },
                                     ways: ways == 0 ? nil : ways,
                                     coresSharing: sharingCores > 0 ? sharingCores : nil,
                                     threadsSharing: sharedCPUs.isEmpty ? nil : sharedCPUs.count, count: 0)
                instances[Key(level: level, kind: kind), default: [:]][shared] = info
            }
        }
        caches = instances.map { key, byShare in
            var c = byShare.sorted { $0.key < $1.key }[0].value
            c.count = byShare.count
            return c
        }.sorted { ($0.level, $0.kind.rawValue) < ($1.level, $1.kind.rawValue) }

        let nodeDir = base + "sys/devices/system/node/"
        for entry in (try? fm.contentsOfDirectory(atPath: nodeDir)) ?? [] where entry.hasPrefix("node") {
            guard let n = Int(entry.dropFirst(4)), let meminfo = text(nodeDir + entry + "/meminfo") else { continue }
            if let kb = Self.kilobytes(after: "MemTotal:", in: meminfo) { nodeMemoryBytes[n] = kb * 1024 }
        }
        memTotalBytes = text(base + "proc/meminfo").flatMap { Self.kilobytes(after: "MemTotal:", in: $0) }.map { $0 * 1024 }
    }

    /// "0-3,8,10-11" → [0, 1, 2, 3, 8, 10, 11].
    static func parseList(_ s: String) -> [Int] {
        s.split(separator: ",").flatMap { part -> [Int] in
            let ends = part.split(separator: "-").compactMap { Int($0.trimmingWhitespace) }
            if ends.count == 2, ends[0] <= ends[1] { return Array(ends[0]...ends[1]) }
            return ends.count == 1 ? ends : []
        }
    }

    /// "32K" → 32768, "1024K", "32M", "512" (bytes).
    static func parseSize(_ s: String) -> Int? {
        guard let last = s.last else { return nil }
        let mult = switch last { case "K": 1 << 10; case "M": 1 << 20; case "G": 1 << 30; default: 1 }
        return Int(mult == 1 ? s : String(s.dropLast())).map { $0 * mult }
    }

    /// The number after `label` on its line (a "kB" figure).
    static func kilobytes(after label: String, in text: String) -> Int64? {
        guard let r = text.range(of: label) else { return nil }
        return text[r.upperBound...].split(whereSeparator: { $0 == " " || $0 == "\n" }).first.flatMap { Int64($0) }
    }
}
