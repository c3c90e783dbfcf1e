import CHwloc

/// The core kinds of a loaded hwloc topology: this machine's, or a saved XML's (which stands in for the
/// machine in placement logic and its tests).
public enum HostCoreKinds {
    /// Cores grouped by hwloc cpukind (a core goes to the kind of its first hardware thread), in hwloc's
    /// order (lowest efficiency first). One slot named "core" with every core when hwloc reports at most one
    /// kind; PUs stand in for cores when the topology has no Core objects.
    public static func read(_ topo: hwloc_topology_t) -> [CoreKindSlot] {
        var type = HWLOC_OBJ_CORE
        var count = hwloc_get_nbobjs_by_type(topo, type)
        if count <= 0 { type = HWLOC_OBJ_PU; count = hwloc_get_nbobjs_by_type(topo, type) }
        let objects = (0..<max(0, count)).compactMap { hwloc_get_obj_by_type(topo, type, UInt32($0)) }
        let nr = hwloc_cpukinds_get_nr(topo, 0)
        guard nr > 1 else { return [CoreKindSlot(name: "core", efficiency: nil, cores: objects.map { Int($0.pointee.logical_index) })] }
        var slots: [CoreKindSlot] = []
        for i in 0..<nr {
            guard let set = hwloc_bitmap_alloc() else { continue }
            defer { hwloc_bitmap_free(set) }
            var efficiency: Int32 = -1
            var nrInfos: UInt32 = 0
            var infos: UnsafeMutablePointer<hwloc_info_s>? = nil
            guard hwloc_cpukinds_get_info(topo, UInt32(i), set, &efficiency, &nrInfos, &infos, 0) == 0 else { continue }
            var name = "kind \(i)"
            if let infos {
                for j in 0..<Int(nrInfos) where infos[j].name.map({ String(cString: $0) }) == "CoreType" {
                    if let v = infos[j].value { name = String(cString: v) }
                }
            }
            let mine = objects.filter { o in
                guard let cs = o.pointee.cpuset else { return false }
                let first = hwloc_bitmap_first(cs)
                return first >= 0 && hwloc_bitmap_isset(set, UInt32(first)) != 0
            }
            slots.append(CoreKindSlot(name: name, efficiency: efficiency >= 0 ? Int(efficiency) : nil,
                                      cores: mine.map { Int($0.pointee.logical_index) }))
        }
        return slots
    }

    /// The kinds of a saved hwloc XML topology; nil when hwloc cannot load it.
    public static func read(xmlPath: String) -> [CoreKindSlot]? {
        var topo: hwloc_topology_t? = nil
        guard hwloc_topology_init(&topo) == 0, let topo else { return nil }
        defer { hwloc_topology_destroy(topo) }
        guard hwloc_topology_set_xml(topo, xmlPath) == 0, hwloc_topology_load(topo) == 0 else { return nil }
        return read(topo)
    }
}
