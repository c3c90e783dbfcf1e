import Measure
import Synchronization
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

/// Runs one job on `threads` threads, each pinned (through hwloc) to its own physical core. Thread 0 leads:
/// it calibrates, releases every sample by bumping an atomic generation the others spin on (so they start
/// within a fraction of a microsecond, not a futex wake-up apart), takes part, and collects the times.
/// A sample's time runs from the earliest start to the latest end: the team's throughput.
///
/// Clean samples: this machine is shared with concurrent builds, so each thread also reads its CPU-time
/// clock; a sample in which some thread got less than 90% of its wall time, or whose threads started more
/// than 5% of the sample apart, was disturbed by another process and is set aside. Figures use the clean
/// samples (all samples when fewer than 3 were clean), and the counts are reported.
final class PinnedTeam: @unchecked Sendable {
    /// What a team run found.
    struct Measurement {
        /// Seconds per sample: the clean ones, or all when fewer than 3 were clean.
        var seconds: [Double]
        var taken: Int
        var disturbed: Int
        /// Units of work each thread did per sample.
        var units: Int
        /// Pinning failures, one per thread that could not be bound.
        var pinningProblems: [String]
    }

    private let threads: Int
    private let generation = Atomic<Int>(0)
    private let ready = Atomic<Int>(0)
    private let done = Atomic<Int>(0)
    private let units = Atomic<Int>(0)
    private let stop = Atomic<Bool>(false)
    private let starts: UnsafeMutablePointer<UInt64>
    private let ends: UnsafeMutablePointer<UInt64>
    private let cpuTimes: UnsafeMutablePointer<UInt64>
    /// One slot per thread, each written only by its own thread.
    private let pinErrors: UnsafeMutablePointer<String?>
    private var result: Measurement?

    private init(threads: Int) {
        self.threads = threads
        starts = .allocate(capacity: threads); starts.initialize(repeating: 0, count: threads)
        ends = .allocate(capacity: threads); ends.initialize(repeating: 0, count: threads)
        cpuTimes = .allocate(capacity: threads); cpuTimes.initialize(repeating: 0, count: threads)
        pinErrors = .allocate(capacity: threads); pinErrors.initialize(repeating: nil, count: threads)
    }

    deinit {
        starts.deallocate(); ends.deallocate(); cpuTimes.deallocate()
        pinErrors.deinitialize(count: threads); pinErrors.deallocate()
    }

    /// Runs `job` on `threads` pinned threads: calibrates units so one sample takes about `sampleSeconds`, then
    /// samples until `budget` seconds are spent with at least 3 clean samples (at most 1.5× the budget).
    /// Thread `i` is pinned to core `cores[i]` (hwloc logical index) when given, else to core `i`.
    static func run(threads: Int, topology: HwlocTopology, job: TeamJob, sampleSeconds: Double,
                    budget: Double, cores: [Int]? = nil) -> Measurement {
        let team = PinnedTeam(threads: threads)
        var tids: [pthread_t] = []
        for i in 0..<threads {
            let body: () -> Void = {
                team.pinErrors[i] = topology.bindCurrentThread(toCore: cores.flatMap { i < $0.count ? $0[i] : nil } ?? i)
                let state = job.setup(i)
                if i == 0 {
                    team.lead(job: job, state: state, sampleSeconds: sampleSeconds, budget: budget)
                } else {
                    team.follow(index: i, job: job, state: state)
                }
                job.teardown(state)
            }
            let box = Unmanaged.passRetained(Box(body)).toOpaque()
            var tid = pthread_t()
            let rc = pthread_create(&tid, nil, { raw in
                guard let raw else { return nil }
                Unmanaged<Box>.fromOpaque(raw).takeRetainedValue().body()
                return nil
            }, box)
            precondition(rc == 0, "pthread_create failed: \(rc)")
            tids.append(tid)
        }
        for tid in tids { pthread_join(tid, nil) }
        var m = team.result ?? Measurement(seconds: [], taken: 0, disturbed: 0, units: 0, pinningProblems: [])
        m.pinningProblems = (0..<threads).compactMap { team.pinErrors[$0] }
        return m
    }

    /// Spins until `condition` holds, yielding now and then in case threads outnumber free cores.
    @inline(__always)
    private static func spin(until condition: () -> Bool) {
        var n = 0
        while !condition() {
            n += 1
            if n & 0xFFFF == 0 { sched_yield() }
        }
    }

    private func follow(index: Int, job: TeamJob, state: UnsafeMutableRawPointer?) {
        ready.add(1, ordering: .releasing)
        var seen = 0
        while true {
            Self.spin { generation.load(ordering: .acquiring) != seen }
            seen = generation.load(ordering: .acquiring)
            if stop.load(ordering: .acquiring) { return }
            timed(index: index, job: job, state: state, units: units.load(ordering: .relaxed))
            done.add(1, ordering: .releasing)
        }
    }

    @inline(__always)
    private func timed(index: Int, job: TeamJob, state: UnsafeMutableRawPointer?, units: Int) {
        let c0 = Self.threadCPUNanoseconds()
        let t0 = MonotonicClock.nanoseconds()
        job.work(state, units)
        let t1 = MonotonicClock.nanoseconds()
        let c1 = Self.threadCPUNanoseconds()
        starts[index] = t0; ends[index] = t1; cpuTimes[index] = c1 &- c0
    }

    /// One sample led by thread 0: its wall time and whether it was clean.
    private func sample(job: TeamJob, state: UnsafeMutableRawPointer?, units u: Int) -> (seconds: Double, clean: Bool) {
        done.store(0, ordering: .relaxed)
        units.store(u, ordering: .relaxed)
        generation.add(1, ordering: .releasing)
        timed(index: 0, job: job, state: state, units: u)
        Self.spin { done.load(ordering: .acquiring) == threads - 1 }
        var first = UInt64.max, last: UInt64 = 0, lastStart: UInt64 = 0
        var clean = true
        for i in 0..<threads {
            first = min(first, starts[i]); last = max(last, ends[i]); lastStart = max(lastStart, starts[i])
            if Double(cpuTimes[i]) < 0.9 * Double(ends[i] &- starts[i]) { clean = false }
        }
        let window = Double(last &- first)
        if Double(lastStart &- first) > 0.05 * window { clean = false }
        return (window * 1e-9, clean)
    }

    private func lead(job: TeamJob, state: UnsafeMutableRawPointer?, sampleSeconds: Double, budget: Double) {
        Self.spin { ready.load(ordering: .acquiring) == threads - 1 }
        // Calibration: the fastest of 3 samples per step, so one disturbed (slow) sample cannot stop the
        // growth early and leave samples too short to time.
        func fastest(_ u: Int) -> Double { (0..<3).map { _ in sample(job: job, state: state, units: u).seconds }.min() ?? 0 }
        var u = 1
        var t = fastest(u)              // also the warm-up (page faults, clocks ramping)
        while t < sampleSeconds && u < 1 << 40 {
            u = t <= 0 ? u * 16 : max(u * 2, min(u * 16, Int(Double(u) * sampleSeconds / t) + 1))
            t = fastest(u)
        }
        var clean: [Double] = [], all: [Double] = []
        let begin = MonotonicClock.nanoseconds()
        while true {
            let elapsed = Double(MonotonicClock.nanoseconds() - begin) * 1e-9
            if all.count >= 3 && (clean.count >= 200 || (elapsed >= budget && clean.count >= 3) || elapsed >= 1.5 * budget) {
                break
            }
            let s = sample(job: job, state: state, units: u)
            all.append(s.seconds)
            if s.clean { clean.append(s.seconds) }
        }
        result = Measurement(seconds: clean.count >= 3 ? clean : all, taken: all.count,
                             disturbed: all.count - clean.count, units: u, pinningProblems: [])
        stop.store(true, ordering: .releasing)
        generation.add(1, ordering: .releasing)
    }

    static func threadCPUNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}

private final class Box {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}
