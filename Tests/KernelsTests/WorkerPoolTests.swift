import Testing
import Synchronization
@testable import Kernels

@Suite struct WorkerPoolTests {
    @Test func everyTaskRunsExactlyOnceAcrossRepeatedCalls() {
        let pool = WorkerPool(threads: 3)
        let slots = 257
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: slots)
        counts.initialize(repeating: 0, count: slots)
        defer { counts.deallocate() }
        var expected = [Int](repeating: 0, count: slots)
        for call in 0..<500 {
            let tasks = call % slots + 1
            pool.parallelFor(tasks) { i in counts[i] += 1 }
            for i in 0..<tasks { expected[i] += 1 }
        }
        #expect((0..<slots).allSatisfy { counts[$0] == expected[$0] })
    }

    @Test func tasksActuallyRunOnMoreThanOneThread() {
        let pool = WorkerPool(threads: 2)
        let distinct = Mutex<Set<UInt>>([])
        for _ in 0..<50 {
            pool.parallelFor(16) { _ in
                usleep(200)   // long enough for the worker to wake and claim some
                let me = currentThreadID()
                distinct.withLock { _ = $0.insert(me) }
            }
        }
        #expect(distinct.withLock { $0.count } == 2)
    }

    @Test func workerIndicesAreInRangeAndNeverShared() {
        let pool = WorkerPool(threads: 3)
        let inUse = Mutex<[Bool]>([false, false, false])
        let clashes = Atomic<Int>(0), outOfRange = Atomic<Int>(0), ran = Atomic<Int>(0)
        for _ in 0..<100 {
            pool.parallelFor(37, threads: 3) { _, worker in
                guard (0..<3).contains(worker) else { outOfRange.add(1, ordering: .relaxed); return }
                let clash = inUse.withLock { flags in
                    defer { flags[worker] = true }
                    return flags[worker]
                }
                if clash { clashes.add(1, ordering: .relaxed) }
                var spin = 0
                for x in 0..<500 { spin &+= x }
                _ = spin
                ran.add(1, ordering: .relaxed)
                inUse.withLock { $0[worker] = false }
            }
        }
        #expect(outOfRange.load(ordering: .relaxed) == 0)
        #expect(clashes.load(ordering: .relaxed) == 0)
        #expect(ran.load(ordering: .relaxed) == 3700)
    }

    @Test func aThreadLimitOfOneKeepsEveryTaskOnTheCaller() {
        let pool = WorkerPool(threads: 2)
        let me = currentThreadID()
        var elsewhere = 0, count = 0
        pool.parallelFor(50, threads: 1) { _, worker in
            if worker != 0 || currentThreadID() != me { elsewhere += 1 }
            count += 1
        }
        #expect(elsewhere == 0 && count == 50)
    }

    @Test func nestedParallelForRunsInlineWithoutDeadlock() {
        let pool = WorkerPool(threads: 2)
        let total = Atomic<Int>(0)
        pool.parallelFor(8) { _ in
            pool.parallelFor(10) { _ in total.add(1, ordering: .relaxed) }
        }
        #expect(total.load(ordering: .relaxed) == 80)
    }

    @Test func singleThreadPoolAndEmptyRangesWork() {
        let pool = WorkerPool(threads: 1, pinToCores: false)
        var hits = [Int](repeating: 0, count: 5)
        pool.parallelFor(0) { _ in hits[0] += 100 }
        pool.parallelFor(5) { i in hits[i] += 1 }
        #expect(hits == [1, 1, 1, 1, 1])
        #expect(pool.threadCount == 1)
    }
}

#if canImport(Glibc)
import Glibc
private func currentThreadID() -> UInt { UInt(pthread_self()) }
#else
import Darwin
private func currentThreadID() -> UInt { UInt(bitPattern: pthread_self()) }
#endif
