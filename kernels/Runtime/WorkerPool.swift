#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CHwloc
import Synchronization

/// Persistent worker threads, pinned to cores through hwloc, that run the parallel loops of every kernel.
///
/// Kernels are called thousands of times per second by the inference core, so creating threads per call
/// (or allocating per call) would cost more than small kernels themselves. The pool keeps `threadCount − 1`
/// workers alive; `parallelFor` hands them a task range through atomics, the calling thread takes tasks
/// too, and the call returns once every task has run. Idle workers spin briefly (a kernel sequence keeps
/// them hot) and then block on a condition variable so an idle pool costs no CPU.
///
/// Calls are serialized: a `parallelFor` issued while another one is running on the same pool (from a
/// task body, or from a second thread) runs its tasks inline on the calling thread instead of deadlocking.
public final class WorkerPool: @unchecked Sendable {
    /// Threads that execute tasks, the caller included.
    public let threadCount: Int
    /// Scratch memory (packing buffers) reused by the kernels that run on this pool.
    public let scratch = ScratchArena()
    /// Whether the workers were bound to distinct cores (false when hwloc could not bind, e.g. in a
    /// restricted container).
    public var isPinned: Bool { pinRequested && pinFailures.load(ordering: .relaxed) == 0 }
    private let pinRequested: Bool
    private let pinFailures = Atomic<Int>(0)
    /// Where the threads go (P-cores first by default) and the machine's core kinds it was applied to.
    public let placement: CorePlacement
    public private(set) var coreKinds: [CoreKindSlot] = []
    /// The kind of core each thread is bound to (index 0: the calling thread); empty when not pinned.
    public private(set) var threadKinds: [String] = []

    // Dispatch state. `generation` advances once per parallel call; workers compare it with the last one
    // they saw. `nextTask` hands out task indices. A worker joins a call by incrementing `active` and then
    // checking that the call is not yet `closed` (the generation of the last finished call); the caller
    // closes its call once every task is claimed and waits only for workers that joined. A worker the OS
    // has not scheduled yet therefore never delays a call: the caller simply runs its tasks.
    private let generation = Atomic<Int>(0)
    private let nextTask = Atomic<Int>(0)
    private let active = Atomic<Int>(0)
    private let closed = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private let shuttingDown = Atomic<Bool>(false)

    // The current call's body and task count; written by the caller before `generation` is released.
    private var taskCount: Int = 0
    private var threadLimit: Int = 0
    private var body: ((Int, Int) -> Void)? = nil

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let wake: UnsafeMutablePointer<pthread_cond_t>
    private var threads: [pthread_t] = []
    private var topology: hwloc_topology_t? = nil
    /// One cpuset per core in placement order; worker i binds to coreSets[(i + 1) % coreSets.count].
    private var coreSets: [hwloc_cpuset_t] = []

    /// Atomic-load iterations a waiting thread spins before it blocks (each with a `pause`: ~0.1–0.3 ms): long
    /// enough to bridge the gap between consecutive kernels of one decode step, short enough not to burn a
    /// core when the pool goes idle.
    private static let spinIterations = 20_000

    /// Starts `threads − 1` workers (at least one thread: the caller). With `pinToCores`, worker `i` is bound
    /// to core `(i + 1) mod cores` and, when the pool has workers, the creating thread — the one expected
    /// to call `parallelFor`, like OpenMP's master thread — to core 0. Without that, the OS may run the
    /// caller on a worker's core, where the two time-share it (measured: a 1×576×576 matmul on 2 threads
    /// took 50 µs instead of 18 µs on a loaded machine).
    ///
    /// `placement` orders the cores: on a hybrid machine the fastest kind's cores first (the default), so
    /// that a kernel using `t` of the pool's threads runs on the `t` fastest cores.
    public init(threads: Int, pinToCores: Bool = true, placement: CorePlacement = .fastestFirst) {
        threadCount = max(1, threads)
        self.placement = placement
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        wake = .allocate(capacity: 1)
        wake.initialize(to: pthread_cond_t())
        pthread_cond_init(wake, nil)
        if pinToCores, let (topo, sets, kinds, order) = Self.loadCoreSets(placement: placement) {
            topology = topo
            coreSets = sets
            coreKinds = kinds
            threadKinds = order.isEmpty ? [] : (0..<threadCount).map { t in
                let core = order[t % order.count]
                return kinds.first { $0.cores.contains(core) }?.name ?? "core"
            }
        }
        pinRequested = pinToCores && !coreSets.isEmpty
        if pinRequested, threadCount > 1, let topology,
           hwloc_set_cpubind(topology, coreSets[0], Int32(HWLOC_CPUBIND_THREAD.rawValue)) != 0 {
            pinFailures.add(1, ordering: .relaxed)
        }
        for worker in 0..<(threadCount - 1) {
            let context = Unmanaged.passRetained(WorkerContext(pool: self, index: worker)).toOpaque()
            var tid = pthread_t()
            let rc = pthread_create(&tid, nil, { raw in
                guard let raw else { return nil }
                let ctx = Unmanaged<WorkerContext>.fromOpaque(raw).takeRetainedValue()
                ctx.pool.workerLoop(index: ctx.index)
                return nil
            }, context)
            if rc == 0 {
                self.threads.append(tid)
            } else {
                Unmanaged<WorkerContext>.fromOpaque(context).release()
            }
        }
        // If the OS refused some threads, the pool still works with the ones it got.
        workerCount = self.threads.count
    }

    /// Workers actually started (threadCount − 1 unless thread creation failed).
    private var workerCount: Int = 0

    deinit {
        shuttingDown.store(true, ordering: .sequentiallyConsistent)
        generation.add(1, ordering: .sequentiallyConsistent)
        pthread_mutex_lock(mutex)
        pthread_cond_broadcast(wake)
        pthread_mutex_unlock(mutex)
        for t in threads { pthread_join(t, nil) }
        for set in coreSets { hwloc_bitmap_free(set) }
        if let topology { hwloc_topology_destroy(topology) }
        pthread_cond_destroy(wake)
        pthread_mutex_destroy(mutex)
        wake.deallocate()
        mutex.deallocate()
    }

    /// Runs `body(i)` for every `i` in `0..<tasks`, each exactly once, spread over the pool's threads (the
    /// caller participates); returns when all have finished. Tasks are claimed dynamically, so uneven task
    /// costs balance themselves. Does not allocate.
    public func parallelFor(_ tasks: Int, _ body: (Int) -> Void) {
        parallelFor(tasks, threads: threadCount) { task, _ in body(task) }
    }

    /// Like `parallelFor(_:_:)`, also telling each task which thread runs it: `worker` is in
    /// `0..<threadCount` (0 is the calling thread) and no two tasks run concurrently with the same
    /// `worker`, so it can index per-thread scratch. Tasks run inline (`worker` 0) when the pool is busy.
    /// At most `threads` threads (the caller included) take tasks, so a kernel's `threads` parameter is
    /// honoured on a larger pool.
    public func parallelFor(_ tasks: Int, threads: Int, _ body: (_ task: Int, _ worker: Int) -> Void) {
        guard tasks > 0 else { return }
        if tasks == 1 || threads <= 1 || workerCount == 0 || !busy.compareExchange(expected: false, desired: true,
                                                                  ordering: .acquiring).exchanged {
            for i in 0..<tasks { body(i, 0) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            self.body = escapable
            self.taskCount = tasks
            self.threadLimit = threads
            nextTask.store(0, ordering: .relaxed)
            // Publishes body, taskCount and threadLimit.
            let call = generation.add(1, ordering: .sequentiallyConsistent).newValue
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(mutex)
                pthread_cond_broadcast(wake)
                pthread_mutex_unlock(mutex)
            }
            runTasks(escapable, tasks, worker: 0)
            // Every task is claimed: close the call, then wait for the workers that joined it to finish
            // their tasks, so `body` is never used after we return.
            closed.store(call, ordering: .sequentiallyConsistent)
            var spins = 0
            while active.load(ordering: .sequentiallyConsistent) > 0 {
                spins += 1
                spinPause()
                if spins > Self.spinIterations { sched_yield() }
            }
            self.body = nil
        }
        busy.store(false, ordering: .releasing)
    }

    @inline(__always)
    private func runTasks(_ body: (Int, Int) -> Void, _ tasks: Int, worker: Int) {
        while true {
            let i = nextTask.wrappingAdd(1, ordering: .relaxed).oldValue
            if i >= tasks { return }
            body(i, worker)
        }
    }

    private func workerLoop(index: Int) {
        if !coreSets.isEmpty, let topology {
            let set = coreSets[(index + 1) % coreSets.count]
            if hwloc_set_cpubind(topology, set, Int32(HWLOC_CPUBIND_THREAD.rawValue)) != 0 {
                pinFailures.add(1, ordering: .relaxed)
            }
        }
        var seen = 0
        while true {
            // Spin on the generation, then block.
            var spins = 0
            var current = generation.load(ordering: .acquiring)
            while current == seen && spins < Self.spinIterations {
                spins += 1
                spinPause()
                current = generation.load(ordering: .acquiring)
            }
            if current == seen {
                pthread_mutex_lock(mutex)
                sleepers.add(1, ordering: .sequentiallyConsistent)
                current = generation.load(ordering: .sequentiallyConsistent)
                while current == seen {
                    pthread_cond_wait(wake, mutex)
                    current = generation.load(ordering: .sequentiallyConsistent)
                }
                sleepers.subtract(1, ordering: .sequentiallyConsistent)
                pthread_mutex_unlock(mutex)
            }
            seen = current
            if shuttingDown.load(ordering: .acquiring) { return }
            active.add(1, ordering: .sequentiallyConsistent)
            // `closed` only grows; below `current` means the call we saw is still open, so its body,
            // task count and limit are the ones published with `current`.
            if closed.load(ordering: .sequentiallyConsistent) < current, let body, index + 1 < threadLimit {
                runTasks(body, taskCount, worker: index + 1)
            }
            active.subtract(1, ordering: .sequentiallyConsistent)
        }
    }

    /// The placement's summary for `threads` threads ("IntelCore ×6 + IntelAtom ×2 (fastest-first)"), what a
    /// tuned config records.
    public func placementSummary(threads: Int) -> String {
        placement.summary(threads: min(threads, threadCount), kinds: coreKinds)
    }

    /// Reads the machine's cores and kinds from hwloc; one cpuset per core, in the placement's order (the
    /// logical order when the placement selects no core).
    private static func loadCoreSets(placement: CorePlacement)
        -> (hwloc_topology_t, [hwloc_cpuset_t], [CoreKindSlot], [Int])? {
        var topo: hwloc_topology_t? = nil
        guard hwloc_topology_init(&topo) == 0, let topo else { return nil }
        guard hwloc_topology_load(topo) == 0 else { hwloc_topology_destroy(topo); return nil }
        var type = HWLOC_OBJ_CORE
        var count = hwloc_get_nbobjs_by_type(topo, type)
        if count <= 0 { type = HWLOC_OBJ_PU; count = hwloc_get_nbobjs_by_type(topo, type) }
        let kinds = HostCoreKinds.read(topo)
        var order = placement.cores(kinds).filter { $0 < count }
        if order.isEmpty { order = Array(0..<max(0, Int(count))) }
        var coreSets: [hwloc_cpuset_t] = []
        for i in order {
            guard let obj = hwloc_get_obj_by_type(topo, type, UInt32(i)), let cpuset = obj.pointee.cpuset,
                  let copy = hwloc_bitmap_dup(cpuset) else { continue }
            // Bind to a single PU of the core so the OS does not migrate the worker between SMT siblings.
            hwloc_bitmap_singlify(copy)
            coreSets.append(copy)
        }
        return (topo, coreSets, kinds, order)
    }
}

/// What a starting worker thread needs: its pool and index.
/// The pool is held unowned: workers must not keep it alive, its deinit joins them before it is freed.
private final class WorkerContext {
    unowned(unsafe) let pool: WorkerPool
    let index: Int
    init(pool: WorkerPool, index: Int) { self.pool = pool; self.index = index }
}
