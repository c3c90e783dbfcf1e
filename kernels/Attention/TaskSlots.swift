import Synchronization

extension WorkerPool {
    /// Runs `body(slot, task)` for every task in `0..<tasks`, on at most `slots` threads of the pool.
    ///
    /// Each participating thread owns one `slot` (0..<slots) for the whole call, so a kernel can hand it a
    /// private scratch region allocated once per call; tasks are claimed dynamically from a shared counter,
    /// so uneven tasks (causal attention, experts with different batch sizes) balance themselves. When the
    /// pool is busy (a nested call) every task runs on the calling thread in slot 0.
    func forEachTask(_ tasks: Int, slots: Int, _ body: (_ slot: Int, _ task: Int) -> Void) {
        guard tasks > 0 else { return }
        if slots <= 1 || tasks == 1 || threadCount == 1 {
            for t in 0..<tasks { body(0, t) }
            return
        }
        let next = Atomic<Int>(0)
        parallelFor(min(slots, tasks)) { slot in
            while true {
                let t = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if t >= tasks { return }
                body(slot, t)
            }
        }
    }
}

extension Int {
    /// The smallest multiple of `q` that is at least `self` (for non-negative values).
    @inline(__always) func roundedUp(toMultipleOf q: Int) -> Int { (self + q - 1) / q * q }
}
