import Testing
import Synchronization
import ThreadRuntime
import CHwloc
#if canImport(Glibc)
import Glibc
#endif

@Suite struct ThreadTeamTests {
    @Test func everyMemberRunsEachEveryMemberCallExactlyOnce() {
        let team = ThreadTeam(threads: 3, cores: CoreSets(), order: [0, 1], pinCaller: false)
        #expect(team.size == 3)
        let counts = Mutex<[Int]>([0, 0, 0])
        let strangers = Atomic<Int>(0)
        for _ in 0..<300 {
            team.runOnEveryMember { m in
                guard (0..<3).contains(m) else { strangers.add(1, ordering: .relaxed); return }
                counts.withLock { $0[m] += 1 }
            }
        }
        #expect(strangers.load(ordering: .relaxed) == 0)
        #expect(counts.withLock { $0 } == [300, 300, 300])
    }

    @Test func anOpenCallNeverRunsMembersAtOrPastTheLimitAndAlwaysRunsTheCaller() {
        let team = ThreadTeam(threads: 3, cores: nil, order: [], pinCaller: false)
        let callerRuns = Atomic<Int>(0), pastLimit = Atomic<Int>(0)
        for _ in 0..<300 {
            team.run(limit: 2) { m in
                if m == 0 { callerRuns.add(1, ordering: .relaxed) }
                if m >= 2 { pastLimit.add(1, ordering: .relaxed) }
            }
        }
        #expect(callerRuns.load(ordering: .relaxed) == 300)
        #expect(pastLimit.load(ordering: .relaxed) == 0)
    }

    @Test func aWorkerThatBlockedIsWokenForTheNextCall() {
        // A short spin makes the worker block between calls; every call must still reach it.
        let team = ThreadTeam(threads: 2, cores: nil, order: [], pinCaller: false, spinIterations: 10)
        let workerRuns = Atomic<Int>(0)
        for _ in 0..<20 {
            usleep(2000)
            team.runOnEveryMember { m in if m == 1 { workerRuns.add(1, ordering: .relaxed) } }
        }
        #expect(workerRuns.load(ordering: .relaxed) == 20)
    }

    #if os(Linux)
    @Test func everyMemberRunsBoundToOneCoreOfItsOwn() throws {
        let sets = try #require(CoreSets())
        let order = Array(0..<min(2, sets.count))
        let team = ThreadTeam(threads: order.count, cores: sets, order: order, pinCaller: true)
        guard team.pinProblems.isEmpty else { return }   // a container that refuses binding: nothing to check
        #expect(team.memberCores == order)
        let bindings = Mutex<[Set<Int>]>(Array(repeating: [], count: order.count))
        team.runOnEveryMember { m in
            let b = affinity()
            bindings.withLock { $0[m] = b }
        }
        let seen = bindings.withLock { $0 }
        #expect(seen.allSatisfy { $0.count == 1 })
        #expect(Set(seen.flatMap { $0 }).count == order.count)
    }

    /// The CPUs (OS indexes) the calling thread may run on, as hwloc reports them.
    private func affinity() -> Set<Int> {
        var topo: hwloc_topology_t? = nil
        guard hwloc_topology_init(&topo) == 0, let topo else { return [] }
        defer { hwloc_topology_destroy(topo) }
        guard hwloc_topology_load(topo) == 0, let set = hwloc_bitmap_alloc() else { return [] }
        defer { hwloc_bitmap_free(set) }
        guard hwloc_get_cpubind(topo, set, Int32(HWLOC_CPUBIND_THREAD.rawValue)) == 0 else { return [] }
        var out = Set<Int>()
        var i = hwloc_bitmap_first(set)
        while i >= 0 { out.insert(Int(i)); i = hwloc_bitmap_next(set, i) }
        return out
    }
    #endif
}
