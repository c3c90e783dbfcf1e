import Measure
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What each thread of a `PinnedTeam` does: prepare its own state after pinning (so buffers are first-touched
/// on the thread's NUMA node), run `units` units of work per sample, and release the state.
struct TeamJob: Sendable {
    var setup: @Sendable (_ thread: Int) -> UnsafeMutableRawPointer?
    var work: @Sendable (_ state: UnsafeMutableRawPointer?, _ units: Int) -> Void
    var teardown: @Sendable (_ state: UnsafeMutableRawPointer?) -> Void
}

/// Runs one job on `threads` threads, each pinned (through hwloc) to its own physical core, started together
/// at a barrier for every sample. A sample's time is from the earliest start to the latest end, so the
/// figure is the team's throughput, not the fastest thread's.
final class PinnedTeam: @unchecked Sendable {
    private let threads: Int
    private let barrier: UnsafeMutablePointer<pthread_barrier_t>
    private let starts: UnsafeMutablePointer<UInt64>
    private let ends: UnsafeMutablePointer<UInt64>
    private var units = 0
    private var stop = false
    private var pinErrors: [String?]
    private var tids: [pthread_t] = []

    /// Starts the team; threads wait at the barrier until `sample(units:)` is called.
    init(threads: Int, topology: HwlocTopology, job: TeamJob) {
        self.threads = threads
        barrier = .allocate(capacity: 1)
        pthread_barrier_init(barrier, nil, UInt32(threads + 1))
        starts = .allocate(capacity: threads); starts.initialize(repeating: 0, count: threads)
        ends = .allocate(capacity: threads); ends.initialize(repeating: 0, count: threads)
        pinErrors = Array(repeating: nil, count: threads)
        for i in 0..<threads {
            let body: () -> Void = { [self] in self.workerLoop(index: i, topology: topology, job: job) }
            let box = Unmanaged.passRetained(Box(body)).toOpaque()
            var tid = pthread_t()
            let rc = pthread_create(&tid, nil, { raw in
                guard let raw else { return nil }
                let box = Unmanaged<Box>.fromOpaque(raw).takeRetainedValue()
                box.body()
                return nil
            }, box)
            precondition(rc == 0, "pthread_create failed: \(rc)")
            tids.append(tid)
        }
        pthread_barrier_wait(barrier)   // every worker is pinned and set up
    }

    /// Pinning failures, one per thread that could not be bound (empty when all were pinned).
    var pinningProblems: [String] { pinErrors.compactMap { $0 } }

    /// Runs one sample of `units` units on every thread; returns its wall time in seconds.
    func sample(units: Int) -> Double {
        self.units = units
        pthread_barrier_wait(barrier)   // go
        pthread_barrier_wait(barrier)   // all done
        var first = UInt64.max, last: UInt64 = 0
        for i in 0..<threads { first = min(first, starts[i]); last = max(last, ends[i]) }
        return Double(last &- first) * 1e-9
    }

    /// Stops and joins the threads.
    func finish() {
        stop = true
        pthread_barrier_wait(barrier)
        for tid in tids { pthread_join(tid, nil) }
        pthread_barrier_destroy(barrier)
        barrier.deallocate(); starts.deallocate(); ends.deallocate()
    }

    private func workerLoop(index: Int, topology: HwlocTopology, job: TeamJob) {
        pinErrors[index] = topology.bindCurrentThread(toCore: index)
        let state = job.setup(index)
        pthread_barrier_wait(barrier)
        while true {
            pthread_barrier_wait(barrier)
            if stop { break }
            let t0 = MonotonicClock.nanoseconds()
            job.work(state, units)
            let t1 = MonotonicClock.nanoseconds()
            starts[index] = t0; ends[index] = t1
            pthread_barrier_wait(barrier)
        }
        job.teardown(state)
    }

    /// Calibrates units so one sample takes about `sampleSeconds`, then takes samples until `budget` seconds
    /// are spent (at least 3, at most 25). Returns the per-sample seconds and the units used.
    func measure(sampleSeconds: Double, budget: Double) -> (seconds: [Double], units: Int) {
        var u = 1
        var t = sample(units: u)               // warm-up (page faults, clocks ramping)
        while t < sampleSeconds && u < 1 << 40 {
            u = t <= 0 ? u * 16 : max(u * 2, min(u * 16, Int(Double(u) * sampleSeconds / t) + 1))
            t = sample(units: u)
        }
        var out: [Double] = []
        let begin = MonotonicClock.nanoseconds()
        while out.count < 25 && (out.count < 3 || Double(MonotonicClock.nanoseconds() - begin) * 1e-9 < budget) {
            out.append(sample(units: u))
        }
        return (out, u)
    }
}

private final class Box {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}
