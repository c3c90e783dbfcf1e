#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CHwloc
import Synchronization

/// ktune's one pinned-thread runtime: persistent threads, each bound (through hwloc) to its own core, that
/// run a job the calling thread hands out. The kernels' `WorkerPool` runs every parallel loop on it; the
/// probe's microbenchmarks time their FMA and bandwidth loops on it.
///
/// Members: the caller is member 0, the `threads − 1` workers are members 1…; member `m` is bound to core
/// `order[m % order.count]`. A call publishes its job by advancing an atomic generation the workers poll,
/// so a hot worker starts within a fraction of a microsecond (a futex wake-up costs tens); a worker that
/// found no call for `spinIterations` polls (each with a `pause`: ~0.1–0.3 ms at the default, long enough to
/// bridge the gap between consecutive kernels of one decode step) blocks on a condition variable, so an
/// idle team costs no CPU.
///
/// Two kinds of call:
/// - `run(limit:_:)` (open): the workers that arrive while the caller is still running its part join; the
///   caller then closes the call and waits only for those that joined. A worker the OS has not scheduled
///   never delays a call. `WorkerPool.parallelFor` claims tasks inside it.
/// - `runOnEveryMember(_:)`: every member runs the job exactly once and the call returns when all have —
///   what a throughput measurement of N threads needs.
///
/// Calls must not overlap (one caller at a time, no call from inside a job); `WorkerPool` guarantees that
/// with its busy flag and runs nested calls inline.
public final class ThreadTeam: @unchecked Sendable {
    /// Members: the caller and the workers actually started (fewer than asked if the OS refused threads).
    public private(set) var size: Int = 1
    /// Whether pinning was asked for and a core set was available.
    public let pinRequested: Bool
    /// The core each member is bound to (logical index), member 0 first; empty when not pinned.
    public let memberCores: [Int]

    private let cores: CoreSets?
    private let order: [Int]
    private let spinIterations: Int
    /// One slot per member, written by that member when it binds (the caller's at init); complete once
    /// `init` returns, because it waits for every worker to bind.
    private let pinErrors: UnsafeMutablePointer<String?>
    private let requested: Int
    private var callerBinding: hwloc_cpuset_t?

    // Dispatch state. `generation` advances once per call; a worker compares it with the last one it saw.
    // A worker joins a call by incrementing `active` and then checking that the call is not yet `closed`
    // (the generation of the last finished call); the caller closes its call after its own part (and, for
    // `runOnEveryMember`, after every worker `finished`) and waits for `active` to drain, so the job is
    // never used after the call returns.
    private let generation = Atomic<Int>(0)
    private let active = Atomic<Int>(0)
    private let closed = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let started = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let shuttingDown = Atomic<Bool>(false)

    // The current call; written by the caller before `generation` is released.
    private var job: ((Int) -> Void)? = nil
    private var limit = 0
    private var everyMember = false

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let wake: UnsafeMutablePointer<pthread_cond_t>
    private var threads: [pthread_t] = []

    /// Starts `threads − 1` workers (at least one member: the caller) and waits until each has bound itself.
    ///
    /// - `cores` and `order`: where members go (nil or an empty order: unpinned). Order entries outside
    ///   `cores` are dropped.
    /// - `pinCaller`: bind the calling thread to `order[0]` too. Without it the OS may run the caller on a
    ///   worker's core, where the two time-share it (measured: a 1×576×576 matmul on 2 threads took 50 µs
    ///   instead of 18 µs on a loaded machine).
    /// - `restoreCaller`: rebind the caller to the binding it had before, when the team is released (asked
    ///   for by the probe, whose caller goes on to other work). Known issue: a test found the caller still
    ///   bound to its core afterwards, so do not rely on it yet; a pool the caller keeps using leaves it pinned.
    public init(threads: Int, cores: CoreSets?, order: [Int], pinCaller: Bool, restoreCaller: Bool = false,
                spinIterations: Int = 20_000) {
        requested = max(1, threads)
        self.cores = cores
        let usable = cores.map { c in order.filter { $0 >= 0 && $0 < c.count } } ?? []
        self.order = usable
        pinRequested = !usable.isEmpty
        memberCores = usable.isEmpty ? [] : (0..<requested).map { usable[$0 % usable.count] }
        self.spinIterations = max(1, spinIterations)
        pinErrors = .allocate(capacity: requested)
        pinErrors.initialize(repeating: nil, count: requested)
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        wake = .allocate(capacity: 1)
        wake.initialize(to: pthread_cond_t())
        pthread_cond_init(wake, nil)
        if pinRequested, pinCaller, let cores {
            if restoreCaller { callerBinding = cores.currentBinding() }
            pinErrors[0] = cores.bindCurrentThread(toCore: memberCores[0])
        }
        for member in 1..<max(1, requested) {
            let context = Unmanaged.passRetained(MemberContext(team: self, member: member)).toOpaque()
            var tid = pthread_t()
            let rc = pthread_create(&tid, nil, { raw in
                guard let raw else { return nil }
                let ctx = Unmanaged<MemberContext>.fromOpaque(raw).takeRetainedValue()
                ctx.team.workerLoop(member: ctx.member)
                return nil
            }, context)
            if rc == 0 {
                self.threads.append(tid)
            } else {
                Unmanaged<MemberContext>.fromOpaque(context).release()
                break   // members stay contiguous: 1..<size
            }
        }
        size = 1 + self.threads.count
        var spins = 0
        while started.load(ordering: .acquiring) < self.threads.count { Self.wait(&spins, yieldAfter: 1000) }
    }

    deinit {
        shuttingDown.store(true, ordering: .sequentiallyConsistent)
        generation.add(1, ordering: .sequentiallyConsistent)
        pthread_mutex_lock(mutex)
        pthread_cond_broadcast(wake)
        pthread_mutex_unlock(mutex)
        for t in threads { pthread_join(t, nil) }
        if let callerBinding, let cores { cores.restore(callerBinding) }
        pinErrors.deinitialize(count: requested)
        pinErrors.deallocate()
        pthread_cond_destroy(wake)
        pthread_mutex_destroy(mutex)
        wake.deallocate()
        mutex.deallocate()
    }

    /// Why members could not be bound, one line per member that failed (empty when all are bound or
    /// pinning was not asked for).
    public var pinProblems: [String] { (0..<requested).compactMap { pinErrors[$0] } }

    /// Open call: runs `job(member)` on the caller (member 0) and on every worker `m < limit` that arrives
    /// before the caller has finished its own part; returns once those have finished. For work that the
    /// members share out among themselves (claiming tasks from a counter), so whoever is late misses nothing.
    public func run(limit: Int, _ job: (_ member: Int) -> Void) {
        dispatch(job, limit: limit, everyMember: false)
    }

    /// Runs `job(member)` exactly once on every member (the caller too) and returns when all have.
    public func runOnEveryMember(_ job: (_ member: Int) -> Void) {
        dispatch(job, limit: size, everyMember: true)
    }

    @inline(__always)
    private func dispatch(_ job: (Int) -> Void, limit: Int, everyMember: Bool) {
        guard size > 1, limit > 1 else { job(0); return }
        withoutActuallyEscaping(job) { job in
            self.job = job
            self.limit = limit
            self.everyMember = everyMember
            if everyMember { finished.store(0, ordering: .relaxed) }
            // Publishes job, limit and everyMember.
            let call = generation.add(1, ordering: .sequentiallyConsistent).newValue
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(mutex)
                pthread_cond_broadcast(wake)
                pthread_mutex_unlock(mutex)
            }
            job(0)
            var spins = 0
            if everyMember {
                let workers = size - 1
                while finished.load(ordering: .acquiring) < workers { Self.wait(&spins, yieldAfter: spinIterations) }
            }
            closed.store(call, ordering: .sequentiallyConsistent)
            while active.load(ordering: .sequentiallyConsistent) > 0 { Self.wait(&spins, yieldAfter: spinIterations) }
            self.job = nil
        }
    }

    @inline(__always)
    private static func wait(_ spins: inout Int, yieldAfter: Int) {
        spins += 1
        spinPause()
        if spins > yieldAfter { sched_yield() }
    }

    private func workerLoop(member: Int) {
        if pinRequested, let cores {
            pinErrors[member] = cores.bindCurrentThread(toCore: memberCores[member])
        }
        started.add(1, ordering: .releasing)
        var seen = 0
        while true {
            // Spin on the generation, then block.
            var spins = 0
            var current = generation.load(ordering: .acquiring)
            while current == seen && spins < spinIterations {
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
            // `closed` only grows; below `current` means the call we saw is still open, so its job, limit
            // and kind are the ones published with `current`.
            if closed.load(ordering: .sequentiallyConsistent) < current, let job {
                if everyMember {
                    job(member)
                    finished.add(1, ordering: .releasing)
                } else if member < limit {
                    job(member)
                }
            }
            active.subtract(1, ordering: .sequentiallyConsistent)
        }
    }
}

/// What a starting worker needs: its team and member index. The team is held unowned: workers must not
/// keep it alive; its deinit joins them before it is freed.
private final class MemberContext {
    unowned(unsafe) let team: ThreadTeam
    let member: Int
    init(team: ThreadTeam, member: Int) { self.team = team; self.member = member }
}
