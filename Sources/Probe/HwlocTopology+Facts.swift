import CHwloc

extension HwlocTopology {
    /// Every cache kind hwloc models, in the order printed (L1d, L1i, L2, L2i, L3, L3i, L4, L5).
    static let cacheTypes: [hwloc_obj_type_t] = [
        HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L1ICACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L2ICACHE,
        HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L3ICACHE, HWLOC_OBJ_L4CACHE, HWLOC_OBJ_L5CACHE,
    ]

    /// One `CacheInfo` per cache level and kind present. Unknown attributes (hwloc's 0) become nil with a
    /// warning; instances of one level that differ from the first are reported in the warnings.
    func caches() -> (caches: [CacheInfo], warnings: [String]) {
        var out: [CacheInfo] = []
        var warnings: [String] = []
        for type in Self.cacheTypes {
            let objs = objects(type)
            guard let first = objs.first, let attr = first.pointee.attr else { continue }
            let c = attr.pointee.cache
            let kind: CacheInfo.Kind = switch c.type {
            case HWLOC_OBJ_CACHE_DATA: .data
            case HWLOC_OBJ_CACHE_INSTRUCTION: .instruction
            default: .unified
            }
            func known(_ x: Int) -> Int? { x == 0 ? nil : x }
            let cores = count(HWLOC_OBJ_CORE, inside: first.pointee.cpuset)
            let threads = count(HWLOC_OBJ_PU, inside: first.pointee.cpuset)
            let info = CacheInfo(level: Int(c.depth), kind: kind, sizeBytes: known(Int(c.size)),
                                 lineBytes: known(Int(c.linesize)), ways: known(Int(c.associativity)),
                                 coresSharing: cores > 0 ? cores : nil, threadsSharing: threads > 0 ? threads : nil,
                                 count: objs.count)
            for (label, value) in [("size", info.sizeBytes), ("line size", info.lineBytes),
                                   ("associativity", info.ways)] where value == nil {
                warnings.append("hwloc gives no \(label) for \(info.name): unknown")
            }
            if info.coresSharing == nil { warnings.append("\(info.name) covers no core in hwloc's topology: sharing unknown") }
            for other in objs.dropFirst() {
                guard let oc = other.pointee.attr?.pointee.cache else { continue }
                if oc.size != c.size || oc.linesize != c.linesize || oc.associativity != c.associativity {
                    warnings.append("\(info.name) instances differ (logical index \(other.pointee.logical_index): "
                                    + "\(oc.size) B vs \(c.size) B): figures shown are those of the first")
                    break
                }
            }
            out.append(info)
        }
        if out.isEmpty {
            warnings.append("the topology reports no caches (as on WSL2 and some containers): cache sizes unknown")
        }
        return (out, warnings)
    }

    /// Physical cores; a topology without Core objects (some virtual machines) counts its PUs, with a warning.
    func physicalCores(warnings: inout [String]) -> Int {
        let cores = count(HWLOC_OBJ_CORE)
        if cores > 0 { return cores }
        warnings.append("the topology has no Core objects: counting each of its \(count(HWLOC_OBJ_PU)) PUs as a core")
        return count(HWLOC_OBJ_PU)
    }

    /// NUMA nodes with hwloc's local memory and CPUs.
    func numaNodes() -> [NUMANodeInfo] {
        objects(HWLOC_OBJ_NUMANODE).map { node in
            let mem = node.pointee.attr?.pointee.numanode.local_memory ?? 0
            return NUMANodeInfo(index: Int(node.pointee.os_index), memoryBytes: mem > 0 ? Int64(mem) : nil,
                                cpus: Self.indexes(of: node.pointee.cpuset))
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
