import CHwloc

extension HwlocTopology {
    /// Every cache kind hwloc models, in the order printed (L1d, L1i, L2, L2i, L3, L3i, L4, L5).
    static let cacheTypes: [hwloc_obj_type_t] = [
        HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L1ICACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L2ICACHE,
        HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L3ICACHE, HWLOC_OBJ_L4CACHE, HWLOC_OBJ_L5CACHE,
    ]

    /// One `CacheInfo` per cache level and kind present, its instances grouped by geometry and sharing.
    /// With `within`, only the instances that serve some of those CPUs (the caches of one core kind). Unknown
    /// attributes (hwloc's 0) become nil with a warning; instances whose geometry differs are named in a
    /// warning that says which attributes differ and how many instances have each.
    func caches(within: hwloc_const_bitmap_t? = nil, kinds: KindSets? = nil) -> (caches: [CacheInfo], warnings: [String]) {
        var out: [CacheInfo] = []
        var warnings: [String] = []
        for type in Self.cacheTypes {
            let objs = objects(type).filter { o in within.map { hwloc_bitmap_intersects(o.pointee.cpuset, $0) != 0 } ?? true }
            guard let first = objs.first, let attr = first.pointee.attr else { continue }
            let c = attr.pointee.cache
            let kind: CacheInfo.Kind = switch c.type {
            case HWLOC_OBJ_CACHE_DATA: .data
            case HWLOC_OBJ_CACHE_INSTRUCTION: .instruction
            default: .unified
            }
            func known(_ x: Int) -> Int? { x == 0 ? nil : x }
            var groups: [CacheInstanceGroup] = []
            for o in objs {
                guard let oc = o.pointee.attr?.pointee.cache else { continue }
                let cores = count(HWLOC_OBJ_CORE, inside: o.pointee.cpuset)
                let threads = count(HWLOC_OBJ_PU, inside: o.pointee.cpuset)
                let g = CacheInstanceGroup(sizeBytes: known(Int(oc.size)), lineBytes: known(Int(oc.linesize)),
                                           ways: known(Int(oc.associativity)), coresSharing: cores > 0 ? cores : nil,
                                           threadsSharing: threads > 0 ? threads : nil, count: 1,
                                           coreKinds: kinds?.kinds(intersecting: o.pointee.cpuset) ?? [])
                if let i = groups.firstIndex(where: { var x = $0; x.count = 1; return x == g }) {
                    groups[i].count += 1
                } else {
                    groups.append(g)
                }
            }
            let g0 = groups[0]
            let info = CacheInfo(level: Int(c.depth), kind: kind, sizeBytes: g0.sizeBytes, lineBytes: g0.lineBytes,
                                 ways: g0.ways, coresSharing: g0.coresSharing, threadsSharing: g0.threadsSharing,
                                 count: objs.count, groups: groups)
            for (label, value) in [("size", info.sizeBytes), ("line size", info.lineBytes),
                                   ("associativity", info.ways)] where value == nil {
                warnings.append("hwloc gives no \(label) for \(info.name): unknown")
            }
            if info.coresSharing == nil && count(HWLOC_OBJ_CORE) > 0 {
                warnings.append("\(info.name) covers no core in hwloc's topology: sharing unknown")
            }
            if let w = Self.differenceWarning(info) { warnings.append(w) }
            out.append(info)
        }
        if out.isEmpty && within == nil {
            warnings.append("the topology reports no caches (as on WSL2 and some containers): cache sizes unknown")
        }
        return (out, warnings)
    }

    /// "L1d instances differ in size and associativity: 6 × 48 KiB 12-way (1 core each), 8 × 32 KiB 8-way
    /// (1 core each); ..." — nil when the instances' geometry is alike (uneven sharing alone is shown in the
    /// summary, not warned about).
    static func differenceWarning(_ info: CacheInfo) -> String? {
        let g = info.groups
        guard g.count > 1 else { return nil }
        var what: [String] = []
        if Set(g.map(\.sizeBytes)).count > 1 { what.append("size") }
        if Set(g.map(\.lineBytes)).count > 1 { what.append("line size") }
        if Set(g.map(\.ways)).count > 1 { what.append("associativity") }
        guard !what.isEmpty else { return nil }
        if Set(g.map(\.coresSharing)).count > 1 { what.append("cores sharing one") }
        let list = g.map { "\($0.count) × \(ByteText.format($0.sizeBytes)) \(ByteText.ways($0.ways)) "
            + "(\($0.lineBytes.map { "\($0)-byte lines" } ?? "line size unknown"), "
            + "\($0.coresSharing.map { "\($0) core\($0 == 1 ? "" : "s") each" } ?? "sharing unknown"))" }
        let joined = what.count == 1 ? what[0] : what.dropLast().joined(separator: ", ") + " and " + what.last!
        return "\(info.name) instances differ in \(joined): " + list.joined(separator: ", ")
            + "; the single \(info.name) figures (kernel defaults) are the first group's, every group is in `groups`"
    }

    /// Physical cores; nil with a warning when the topology has no Core objects (some POWER partitions,
    /// hand-made topologies): hwloc cannot tell how its hardware threads pair into cores.
    func physicalCores(warnings: inout [String]) -> Int? {
        let cores = count(HWLOC_OBJ_CORE)
        if cores > 0 { return cores }
        warnings.append("the topology has no Core objects: cores unknown (\(count(HWLOC_OBJ_PU)) hardware threads); "
                        + "thread pools place one thread per hardware thread")
        return nil
    }

    /// NUMA nodes with hwloc's local memory, CPUs, memory kind (subtype, MemoryTier) and memory attributes.
    func numaNodes() -> [NUMANodeInfo] {
        let attributes = memoryAttributes()
        return objects(HWLOC_OBJ_NUMANODE).map { node in
            let mem = node.pointee.attr?.pointee.numanode.local_memory ?? 0
            let subtype = node.pointee.subtype.map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
            return NUMANodeInfo(index: Int(node.pointee.os_index), memoryBytes: mem > 0 ? Int64(mem) : nil,
                                cpus: Self.indexes(of: node.pointee.cpuset), kind: subtype,
                                tier: Self.info("MemoryTier", of: node).flatMap { Int($0) },
                                attributes: attributes(node))
        }
    }

    /// The values of every memory attribute hwloc has (`hwloc_memattr_*`), per target node; Capacity and
    /// Locality are skipped (hwloc derives them from the node's memory and CPUs).
    func memoryAttributes() -> (hwloc_obj_t) -> [MemoryAttributeValue] {
        var ids: [(id: hwloc_memattr_id_t, name: String, needsInitiator: Bool)] = []
        var id: hwloc_memattr_id_t = 0
        while true {
            var name: UnsafePointer<CChar>? = nil
            guard hwloc_memattr_get_name(topology, id, &name) == 0, let name else { break }
            var flags: UInt = 0
            _ = hwloc_memattr_get_flags(topology, id, &flags)
            let n = String(cString: name)
            if id != hwloc_memattr_id_t(HWLOC_MEMATTR_ID_CAPACITY.rawValue)
                && id != hwloc_memattr_id_t(HWLOC_MEMATTR_ID_LOCALITY.rawValue) {
                ids.append((id, n, flags & UInt(HWLOC_MEMATTR_FLAG_NEED_INITIATOR.rawValue) != 0))
            }
            id += 1
            if id > 1024 { break }   // hwloc registers a handful; a bound against a corrupt topology
        }
        let topology = self.topology
        return { node in
            var out: [MemoryAttributeValue] = []
            for a in ids {
                let unit = MemoryAttributeValue.unit(of: a.name)
                if !a.needsInitiator {
                    var v: hwloc_uint64_t = 0
                    if hwloc_memattr_get_value(topology, a.id, node, nil, 0, &v) == 0 {
                        out.append(.init(name: a.name, unit: unit, value: v, initiatorCPUs: nil, initiatorObject: nil))
                    }
                    continue
                }
                var nr: UInt32 = 0
                guard hwloc_memattr_get_initiators(topology, a.id, node, 0, &nr, nil, nil) == 0, nr > 0 else { continue }
                var locations = [hwloc_location](repeating: hwloc_location(), count: Int(nr))
                var values = [hwloc_uint64_t](repeating: 0, count: Int(nr))
                guard hwloc_memattr_get_initiators(topology, a.id, node, 0, &nr, &locations, &values) == 0 else { continue }
                for i in 0..<min(Int(nr), locations.count) {
                    let loc = locations[i]
                    if loc.type == HWLOC_LOCATION_TYPE_CPUSET {
                        out.append(.init(name: a.name, unit: unit, value: values[i],
                                         initiatorCPUs: Self.indexes(of: loc.location.cpuset), initiatorObject: nil))
                    } else if let obj = loc.location.object {
                        var name = [CChar](repeating: 0, count: 64)
                        _ = hwloc_obj_type_snprintf(&name, name.count, obj, 0)   // "PU", "Group0", as lstopo names it
                        let type = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                        out.append(.init(name: a.name, unit: unit, value: values[i],
                                         initiatorCPUs: obj.pointee.cpuset.map { Self.indexes(of: $0) },
                                         initiatorObject: "\(type) L#\(obj.pointee.logical_index)"))
                    }
                }
            }
            return out
        }
    }

    /// CXL memory devices and DAX devices among hwloc's OS devices.
    func memoryDevices() -> [MemoryDevice] {
        objects(HWLOC_OBJ_OS_DEVICE).compactMap { dev in
            let name = dev.pointee.name.map { String(cString: $0) } ?? ""
            let subtype = dev.pointee.subtype.map { String(cString: $0) }
            let isCXL = subtype?.uppercased().contains("CXL") == true
            let isDAX = Self.info("DAXType", of: dev) != nil || name.hasPrefix("dax")
            guard isCXL || isDAX else { return nil }
            func kib(_ key: String) -> Int64? { Self.info(key, of: dev).flatMap { Int64($0) }.map { $0 * 1024 } }
            return MemoryDevice(name: name, subtype: subtype ?? Self.info("DAXType", of: dev),
                                ramBytes: kib("CXLRAMSize"), persistentBytes: kib("CXLPMEMSize"))
        }
    }

    /// CPU identity from hwloc's info attributes (CPUVendor, CPUModel, CPUFamilyNumber, CPUModelNumber,
    /// CPUStepping, Architecture); nil fields when absent.
    func cpuIdentity() -> CPUIdentity {
        CPUIdentity(vendor: info("CPUVendor"), model: info("CPUModel"),
                    family: info("CPUFamilyNumber").flatMap { Int($0) },
                    modelNumber: info("CPUModelNumber").flatMap { Int($0) },
                    stepping: info("CPUStepping").flatMap { Int($0) },
                    architecture: info("Architecture"))
    }
}

/// Byte counts and associativities as the probe's messages write them.
enum ByteText {
    /// 49152 → "48 KiB", 1310720 → "1.25 MiB", nil → "unknown size".
    static func format(_ bytes: Int?) -> String {
        guard let bytes else { return "unknown size" }
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(bytes), i = 0
        while v >= 1024 && i < units.count - 1 { v /= 1024; i += 1 }
        let r = v == v.rounded() ? "\(Int(v))" : "\((v * 100).rounded() / 100)"
        return "\(r) \(units[i])"
    }

    static func ways(_ w: Int?) -> String {
        guard let w else { return "ways unknown" }
        return w == -1 ? "fully associative" : "\(w)-way"
    }
}
