import Measure
import ThreadRuntime
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What each thread of a team measurement does: prepare its own state after pinning (so buffers are
/// first-touched on the thread's NUMA node), run `units` units of work per sample, and release the state.
struct TeamJob: Sendable {
    var setup: @Sendable (_ thread: Int) -> UnsafeMutableRawPointer?
    var work: @Sendable (_ state: UnsafeMutableRawPointer?, _ units: Int) -> Void
    var teardown: @Sendable (_ state: UnsafeMutableRawPointer?) -> Void
}

/// Times one job on `threads` threads of ktune's pinned-thread runtime (`ThreadTeam`, the one the kernels'
/// worker pool runs on), each bound to its own physical core. The calling thread is member 0: it calibrates,
/// releases every sample as a `runOnEveryMember` call (the workers poll the team's generation, so they start
/// within a fraction of a microsecond, not a futex wake-up apart), takes part, and collects the times.
/// A sample's time runs from the earliest start to the latest end: the team's throughput.
///
/// Clean samples: this machine is shared with concurrent builds, so each thread also reads its CPU-time
/// clock; a sample in which some thread got less than 90% of its wall time, or whose threads started more
/// than 5% of the sample apart, was disturbed by another process and is set aside. Figures use the clean
/// samples (all samples when fewer than 3 were clean), and the counts are reported.
enum TeamSampler {
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

    /// Runs `job` on `threads` pinned threads: calibrates units so one sample takes about `sampleSeconds`, then
    /// samples until `budget` seconds are spent with at least 3 clean samples (at most 1.5× the budget).
    /// Thread `i` is pinned to core `cores[i]` (hwloc logical index) when given, else to core `i`. The
    /// team is asked to give the caller its earlier binding back (`restoreCaller`), but that is known not to
    /// take effect yet: a test found the caller still bound to its core afterwards.
    static func run(threads: Int, on coreSets: CoreSets, job: TeamJob, sampleSeconds: Double,
                    budget: Double, cores: [Int]? = nil) -> Measurement {
        let order = (0..<threads).map { i in cores.flatMap { i < $0.count ? $0[i] : nil } ?? i }
        let team = ThreadTeam(threads: threads, cores: coreSets, order: order, pinCaller: true, restoreCaller: true)
        var problems = team.pinProblems
        if team.size < threads { problems.append("only \(team.size) of \(threads) threads could be started") }
        let n = team.size
        let slots = Slots(n)
        defer { slots.free() }
        team.runOnEveryMember { i in slots.states[i] = job.setup(i) }
        var result = lead(team: team, slots: slots, job: job, sampleSeconds: sampleSeconds, budget: budget)
        team.runOnEveryMember { i in job.teardown(slots.states[i]) }
        result.pinningProblems = problems
        return result
    }

    /// Per-member state and times; each slot is written only by its own member.
    private final class Slots: @unchecked Sendable {
        let count: Int
        let states: UnsafeMutablePointer<UnsafeMutableRawPointer?>
        let starts: UnsafeMutablePointer<UInt64>
        let ends: UnsafeMutablePointer<UInt64>
        let cpuTimes: UnsafeMutablePointer<UInt64>
        init(_ n: Int) {
            count = n
            states = .allocate(capacity: n); states.initialize(repeating: nil, count: n)
            starts = .allocate(capacity: n); starts.initialize(repeating: 0, count: n)
            ends = .allocate(capacity: n); ends.initialize(repeating: 0, count: n)
            cpuTimes = .allocate(capacity: n); cpuTimes.initialize(repeating: 0, count: n)
        }
        func free() { states.deallocate(); starts.deallocate(); ends.deallocate(); cpuTimes.deallocate() }
    }

    /// One sample on every member: its wall time and whether it was clean.
    private static func sample(team: ThreadTeam, slots: Slots, job: TeamJob, units u: Int) -> (seconds: Double, clean: Bool) {
        team.runOnEveryMember { i in
            let c0 = threadCPUNanoseconds()
            let t0 = MonotonicClock.nanoseconds()
            job.work(slots.states[i], u)
            let t1 = MonotonicClock.nanoseconds()
            let c1 = threadCPUNanoseconds()
            slots.starts[i] = t0; slots.ends[i] = t1; slots.cpuTimes[i] = c1 &- c0
        }
        var first = UInt64.max, last: UInt64 = 0, lastStart: UInt64 = 0
        var clean = true
        for i in 0..<slots.count {
            first = min(first, slots.starts[i]); last = max(last, slots.ends[i]); lastStart = max(lastStart, slots.starts[i])
            if Double(slots.cpuTimes[i]) < 0.9 * Double(slots.ends[i] &- slots.starts[i]) { clean = false }
        }
        let window = Double(last &- first)
        if Double(lastStart &- first) > 0.05 * window { clean = false }
        return (window * 1e-9, clean)
    }

    private static func lead(team: ThreadTeam, slots: Slots, job: TeamJob, sampleSeconds: Double, budget: Double) -> Measurement {
        // Calibration: the fastest of 3 samples per step, so one disturbed (slow) sample cannot stop the
        // growth early and leave samples too short to time.
        func fastest(_ u: Int) -> Double {
            (0..<3).map { _ in sample(team: team, slots: slots, job: job, units: u).seconds }.min() ?? 0
        }
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
            let s = sample(team: team, slots: slots, job: job, units: u)
            all.append(s.seconds)
            if s.clean { clean.append(s.seconds) }
        }
        return Measurement(seconds: clean.count >= 3 ? clean : all, taken: all.count,
                           disturbed: all.count - clean.count, units: u, pinningProblems: [])
    }

    static func threadCPUNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}
