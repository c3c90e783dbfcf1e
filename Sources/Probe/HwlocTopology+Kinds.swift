import CHwloc

/// The CPU sets of hwloc's core kinds, owned (freed on deinit), for tagging caches and cores by kind.
final class KindSets {
    struct Kind { let index: Int; let efficiency: Int?; let infos: [String: String]; let set: hwloc_bitmap_t }
    let kinds: [Kind]

    init(topology: hwloc_topology_t) {
        let n = max(0, hwloc_cpukinds_get_nr(topology, 0))
        var kinds: [Kind] = []
        for i in 0..<n {
            guard let set = hwloc_bitmap_alloc() else { continue }
            var efficiency: Int32 = -1
            var nrInfos: UInt32 = 0
            var infos: UnsafeMutablePointer<hwloc_info_s>? = nil
            guard hwloc_cpukinds_get_info(topology, UInt32(i), set, &efficiency, &nrInfos, &infos, 0) == 0 else {
                hwloc_bitmap_free(set); continue
            }
            var dict: [String: String] = [:]
            if let infos {
                for j in 0..<Int(nrInfos) {
                    guard let name = infos[j].name, let value = infos[j].value else { continue }
                    dict[String(cString: name)] = String(cString: value)
                }
            }
            kinds.append(Kind(index: Int(i), efficiency: efficiency >= 0 ? Int(efficiency) : nil, infos: dict, set: set))
        }
        self.kinds = kinds
    }

    deinit { for k in kinds { hwloc_bitmap_free(k.set) } }

    /// Indexes of the kinds with a CPU in `set`.
    func kinds(intersecting set: hwloc_const_bitmap_t?) -> [Int] {
        guard let set else { return [] }
        return kinds.filter { hwloc_bitmap_intersects($0.set, set) != 0 }.map(\.index)
    }
}

extension HwlocTopology {
    /// "L1d", "L2", ... for a cache object, as `CacheInfo.name` writes it.
    static func cacheName(_ o: hwloc_obj_t) -> String? {
        guard let c = o.pointee.attr?.pointee.cache else { return nil }
        let kind: CacheInfo.Kind = switch c.type {
        case HWLOC_OBJ_CACHE_DATA: .data
        case HWLOC_OBJ_CACHE_INSTRUCTION: .instruction
        default: .unified
        }
        return CacheInfo(level: Int(c.depth), kind: kind, sizeBytes: nil, lineBytes: nil, ways: nil, coresSharing: nil,
                         threadsSharing: nil, count: 0).name
    }

    /// hwloc's core kinds with, for each, its threads, cores and the caches its cores use. Empty when hwloc
    /// reports no kinds (most CPUID dumps of homogeneous CPUs, many virtual machines).
    func coreKinds(_ sets: KindSets) -> (kinds: [CoreKind], warnings: [String]) {
        var warnings: [String] = []
        let cores = objects(HWLOC_OBJ_CORE)
        let kinds = sets.kinds.map { k -> CoreKind in
            let pus = objects(HWLOC_OBJ_PU).filter { hwloc_bitmap_isset(k.set, $0.pointee.os_index) != 0 }
            let mine = cores.filter { hwloc_bitmap_intersects($0.pointee.cpuset, k.set) != 0 }
            let (caches, _) = self.caches(within: k.set, kinds: sets.kinds.count > 1 ? sets : nil)
            var without: [String: Int] = [:]
            for type in Self.cacheTypes where count(type) > 0 {
                let instances = objects(type)
                guard let name = instances.first.flatMap(Self.cacheName) else { continue }
                let uncovered = mine.filter { core in
                    !instances.contains { hwloc_bitmap_isincluded(core.pointee.cpuset, $0.pointee.cpuset) != 0 }
                }.count
                if uncovered > 0 { without[name] = uncovered }
            }
            return CoreKind(index: k.index, efficiency: k.efficiency, infos: k.infos,
                            cpus: pus.map { Int($0.pointee.os_index) },
                            cores: cores.isEmpty ? nil : mine.count,
                            coreIndexes: mine.map { Int($0.pointee.logical_index) },
                            hardwareThreads: pus.count, caches: caches, coresWithoutCache: without)
        }
        let counted = kinds.compactMap(\.cores).reduce(0, +)
        if !cores.isEmpty && !kinds.isEmpty && counted > cores.count {
            warnings.append("some cores have hardware threads of more than one kind (hwloc cpukinds): each such core "
                            + "is counted in every kind it has threads of (\(counted) per-kind cores, \(cores.count) cores)")
        }
        if kinds.count > 1 && kinds.contains(where: { $0.efficiency == nil }) {
            warnings.append("hwloc reports \(kinds.count) core kinds but not how they rank: "
                            + "placement keeps hwloc's order instead of fastest first")
        }
        return (kinds, warnings)
    }
}
