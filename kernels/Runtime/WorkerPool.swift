#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CHwloc
import Synchronization
import ThreadRuntime

/// Persistent worker threads, pinned to cores through hwloc, that run the parallel loops of every kernel.
///
/// Kernels are called thousands of times per second by the inference core, so creating threads per call
/// (or allocating per call) would cost more than small kernels themselves. The pool keeps `threadCount − 1`
/// workers alive on ktune's one pinned-thread runtime (`ThreadTeam`, shared with the probe's
/// microbenchmarks); `parallelFor` opens a team call in which every arriving thread claims task indices
/// from an atomic counter, the calling thread takes tasks too, and the call returns once every task has
/// run. Idle workers spin briefly (a kernel sequence keeps them hot) and then block on a condition
/// variable so an idle pool costs no CPU.
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
    public var isPinned: Bool { team.pinRequested && team.pinProblems.isEmpty }
    /// Where the threads go (P-cores first by default) and the machine's core kinds it was applied to.
    public let placement: CorePlacement
    public private(set) var coreKinds: [CoreKindSlot] = []
    /// The kind of core each thread is bound to (index 0: the calling thread); empty when not pinned.
    public private(set) var threadKinds: [String] = []
    /// When set (only while the pool is idle), every task is timed into it as a kernel chunk (the
    /// profiler's trace); nil costs one check per task.
    public var timeline: ChunkTimeline?

    private let team: ThreadTeam
    /// Hands out task indices within one call.
    private let nextTask = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)

    /// Starts `threads − 1` workers (at least one thread: the caller). With `pinToCores`, worker `i` is bound
    /// to the placement's core `(i + 1) mod cores` and, when the pool has workers, the creating thread — the
    /// one expected to call `parallelFor`, like OpenMP's master thread — to its first core (see
    /// `ThreadTeam.init` for why the caller is pinned).
    ///
    /// `placement` orders the cores: on a hybrid machine the fastest kind's cores first (the default), so
    /// that a kernel using `t` of the pool's threads runs on the `t` fastest cores.
    public init(threads: Int, pinToCores: Bool = true, placement: CorePlacement = .fastestFirst) {
        threadCount = max(1, threads)
        self.placement = placement
        var cores: CoreSets? = nil
        var order: [Int] = []
        if pinToCores, let sets = CoreSets() {
            let kinds = HostCoreKinds.read(sets.topology)
            order = placement.cores(kinds).filter { $0 < sets.count }
            if order.isEmpty { order = Array(0..<sets.count) }
            cores = sets
            coreKinds = kinds
            threadKinds = order.isEmpty ? [] : (0..<threadCount).map { t in
                let core = order[t % order.count]
                return kinds.first { $0.cores.contains(core) }?.name ?? "core"
            }
        }
        team = ThreadTeam(threads: threadCount, cores: cores, order: order, pinCaller: threadCount > 1)
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
        if tasks == 1 || threads <= 1 || team.size == 1 || !busy.compareExchange(expected: false, desired: true,
                                                                  ordering: .acquiring).exchanged {
            // Busy means a nested call from a task (or another thread): its tasks are inside a recorded chunk.
            if let timeline, !busy.load(ordering: .relaxed) {
                for i in 0..<tasks { timeline.run(worker: 0) { body(i, 0) } }
            } else {
                for i in 0..<tasks { body(i, 0) }
            }
            return
        }
        nextTask.store(0, ordering: .relaxed)   // published by the team call's generation
        team.run(limit: threads) { worker in runTasks(body, tasks, worker: worker) }
        busy.store(false, ordering: .releasing)
    }

    @inline(__always)
    private func runTasks(_ body: (Int, Int) -> Void, _ tasks: Int, worker: Int) {
        if let timeline {
            while true {
                let i = nextTask.wrappingAdd(1, ordering: .relaxed).oldValue
                if i >= tasks { return }
                timeline.run(worker: worker) { body(i, worker) }
            }
        }
        while true {
            let i = nextTask.wrappingAdd(1, ordering: .relaxed).oldValue
            if i >= tasks { return }
            body(i, worker)
        }
    }

    /// The placement's summary for `threads` threads ("IntelCore ×6 + IntelAtom ×2 (fastest-first)"), what a
    /// tuned config records.
    public func placementSummary(threads: Int) -> String {
        placement.summary(threads: min(threads, threadCount), kinds: coreKinds)
    }
}
