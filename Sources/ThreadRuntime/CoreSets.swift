#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CHwloc

/// The cores of a loaded hwloc topology, one cpuset each (a single hardware thread of the core, so the OS
/// never migrates a bound thread between SMT siblings), indexed by hwloc logical index. PUs stand in for
/// cores when the topology has no Core objects.
///
/// Both users of the pinned-thread runtime start from here: the kernels' `WorkerPool` (which loads this
/// machine's topology per pool) and the probe's microbenchmarks (which lend the topology they probed).
public final class CoreSets: @unchecked Sendable {
    /// The topology the sets belong to (binding goes through it). Owned unless lent by the creator.
    public let topology: hwloc_topology_t
    private let ownsTopology: Bool
    private let sets: [hwloc_cpuset_t?]

    /// Cores in the topology.
    public var count: Int { sets.count }

    /// Loads this machine's topology; nil when hwloc cannot.
    public convenience init?() {
        var topo: hwloc_topology_t? = nil
        guard hwloc_topology_init(&topo) == 0, let topo else { return nil }
        guard hwloc_topology_load(topo) == 0 else { hwloc_topology_destroy(topo); return nil }
        self.init(topology: topo, owned: true)
    }

    /// The cores of `topology`, which must be this machine's (binding to another machine's cores fails)
    /// and must outlive this object unless `owned` (then it is destroyed with it).
    public init(topology: hwloc_topology_t, owned: Bool) {
        self.topology = topology
        ownsTopology = owned
        var type = HWLOC_OBJ_CORE
        var n = hwloc_get_nbobjs_by_type(topology, type)
        if n <= 0 { type = HWLOC_OBJ_PU; n = hwloc_get_nbobjs_by_type(topology, type) }
        sets = (0..<max(0, Int(n))).map { i in
            guard let obj = hwloc_get_obj_by_type(topology, type, UInt32(i)), let cpuset = obj.pointee.cpuset,
                  let copy = hwloc_bitmap_dup(cpuset) else { return nil }
            hwloc_bitmap_singlify(copy)
            return copy
        }
    }

    deinit {
        for case let set? in sets { hwloc_bitmap_free(set) }
        if ownsTopology { hwloc_topology_destroy(topology) }
    }

    /// Binds the calling thread to core `core` (logical index); nil on success, else why not.
    public func bindCurrentThread(toCore core: Int) -> String? {
        guard sets.indices.contains(core), let set = sets[core] else { return "core \(core) not in topology" }
        if hwloc_set_cpubind(topology, set, Int32(HWLOC_CPUBIND_THREAD.rawValue)) != 0 {
            return "hwloc_set_cpubind(core \(core)): \(String(cString: strerror(errno)))"
        }
        return nil
    }

    /// The calling thread's current binding (a copy the caller frees with `restore`), nil when hwloc cannot say.
    func currentBinding() -> hwloc_cpuset_t? {
        guard let set = hwloc_bitmap_alloc() else { return nil }
        if hwloc_get_cpubind(topology, set, Int32(HWLOC_CPUBIND_THREAD.rawValue)) != 0 {
            hwloc_bitmap_free(set)
            return nil
        }
        return set
    }

    /// Binds the calling thread back to `set` (from `currentBinding`) and frees it.
    func restore(_ set: hwloc_cpuset_t) {
        _ = hwloc_set_cpubind(topology, set, Int32(HWLOC_CPUBIND_THREAD.rawValue))
        hwloc_bitmap_free(set)
    }
}
