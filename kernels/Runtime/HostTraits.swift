import CHwloc

extension MachineTraits {
    /// The running machine's traits read through hwloc (cache sizes and ways of the first L1d/L2/L3,
    /// physical cores) and /proc/cpuinfo (SIMD width). Fields hwloc cannot report keep the `fallback`
    /// values. For `ktune bench` and tests; the tuner derives traits from the full `Probe` instead.
    public static func host() -> MachineTraits {
        var t = MachineTraits.fallback(cores: HostCPU.onlineCPUs, maxSIMDLanes: HostCPU.maxSIMDLanes)
        var topo: hwloc_topology_t? = nil
        guard hwloc_topology_init(&topo) == 0, let topo else { return t }
        defer { hwloc_topology_destroy(topo) }
        guard hwloc_topology_load(topo) == 0 else { return t }
        let cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE)
        if cores > 0 { t.cores = Int(cores) }
        func cache(_ type: hwloc_obj_type_t) -> (size: Int, ways: Int, line: Int)? {
            guard hwloc_get_nbobjs_by_type(topo, type) > 0, let obj = hwloc_get_obj_by_type(topo, type, 0),
                  let attr = obj.pointee.attr else { return nil }
            let c = attr.pointee.cache
            return (Int(c.size), Int(c.associativity), Int(c.linesize))
        }
        if let l1 = cache(HWLOC_OBJ_L1CACHE), l1.size > 0 {
            t.l1dBytes = l1.size
            if l1.ways > 0 { t.l1dWays = l1.ways }
            if l1.line > 0 { t.lineBytes = l1.line }
        }
        if let l2 = cache(HWLOC_OBJ_L2CACHE), l2.size > 0 { t.l2Bytes = l2.size; if l2.ways > 0 { t.l2Ways = l2.ways } }
        if let l3 = cache(HWLOC_OBJ_L3CACHE), l3.size > 0 { t.l3Bytes = l3.size; if l3.ways > 0 { t.l3Ways = l3.ways } }
        return t
    }
}
