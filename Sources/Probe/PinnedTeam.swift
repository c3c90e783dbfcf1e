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
///
/// Each thread also reads its own CPU-time clock: a sample in which some thread got less than 90% of the wall
/// time on its core was shared with another process (this machine is shared by concurrent builds) and is
/// set aside as disturbed, so the figures describe the machine, not its neighbours' load.
final class PinnedTeam: @unchecked Sendable {
    private let threads: Int
    private let barrier: UnsafeMutablePointer<pthread_barrier_t>
    private let starts: UnsafeMutablePointer<UInt64>
    private let ends: UnsafeMutablePointer<UInt64>
    private let cpuTimes: UnsafeMutablePointer<UInt64>
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
        cpuTimes = .allocate(capacity: threads); cpuTimes.initialize(repeating: 0, count: threads)
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

    /// Runs one sample of `units` units on every thread; returns its wall time in seconds and whether every
    /// thread had its core to itself (CPU time ≥ 90% of its wall time).
    func sample(units: Int) -> (seconds: Double, clean: Bool) {
        self.units = units
        pthread_barrier_wait(barrier)   // go
        pthread_barrier_wait(barrier)   // all done
        var first = UInt64.max, last: UInt64 = 0
        var clean = true
        for i in 0..<threads {
            first = min(first, starts[i]); last = max(last, ends[i])
            if Double(cpuTimes[i]) < 0.9 * Double(ends[i] &- starts[i]) { clean = false }
        }
        return (Double(last &- first) * 1e-9, clean)
    }

    static func threadCPUNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Stops and joins the threads.
    func finish() {
        stop = true
        pthread_barrier_wait(barrier)
        for tid in tids { pthread_join(tid, nil) }
        pthread_barrier_destroy(barrier)
        barrier.deallocate(); starts.deallocate(); ends.deallocate(); cpuTimes.deallocate()
    }

    private func workerLoop(index: Int, topology: HwlocTopology, job: TeamJob) {
        pinErrors[index] = topology.bindCurrentThread(toCore: index)
        let state = job.setup(index)
        pthread_barrier_wait(barrier)
        while true {
            pthread_barrier_wait(barrier)
            if stop { break }
            let c0 = Self.threadCPUNanoseconds()
            let t0 = MonotonicClock.nanoseconds()
            job.work(state, units)
            let t1 = MonotonicClock.nanoseconds()
            let c1 = Self.threadCPUNanoseconds()
            starts[index] = t0; ends[index] = t1; cpuTimes[index] = c1 &- c0
            pthread_barrier_wait(barrier)
        }
        job.teardown(state)
    }

    /// What `measure` found: clean sample times (or all samples when fewer than 3 were clean), how many were
    /// taken in all, and the units of work per sample.
    struct Measurement {
        var seconds: [Double]
        var taken: Int
        var disturbed: Int
        var units: Int
    }

    /// Calibrates units so one sample takes about `sampleSeconds`, then takes samples until `budget` seconds
    /// are spent and at least 3 clean samples are in (giving up on cleanliness after 2× the budget).
    func measure(sampleSeconds: Double, budget: Double) -> Measurement {
        var u = 1
        var t = sample(units: u).seconds        // warm-up (page faults, clocks ramping)
        while t < sampleSeconds && u < 1 << 40 {
            u = t <= 0 ? u * 16 : max(u * 2, min(u * 16, Int(Double(u) * sampleSeconds / t) + 1))
            t = sample(units: u).seconds
        }
        var clean: [Double] = [], all: [Double] = []
        let begin = MonotonicClock.nanoseconds()
        while true {
            let elapsed = Double(MonotonicClock.nanoseconds() - begin) * 1e-9
            if all.count >= 3 && (clean.count >= 200 || (elapsed >= budget && clean.count >= 3) || elapsed >= 2 * budget) {
                break
            }
            let s = sample(units: u)
            all.append(s.seconds)
            if s.clean { clean.append(s.seconds) }
        }
        return Measurement(seconds: clean.count >= 3 ? clean : all, taken: all.count,
                           disturbed: all.count - clean.count, units: u)
    }
}

private final class Box {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}
