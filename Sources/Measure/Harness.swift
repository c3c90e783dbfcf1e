/// When a measurement stops repeating.
public struct MeasurementPolicy: Sendable, Codable, Equatable {
    /// Untimed runs before sampling (page faults, cache warm-up, thread wake-up).
    public var warmup: Int
    /// Samples always taken, and the cap.
    public var minRepeats: Int
    public var maxRepeats: Int
    /// Stop once (p80 − p20)/median of every measured body is at most this.
    public var targetSpread: Double
    /// Stop once this much time was spent sampling (the cap on noisy machines).
    public var maxSeconds: Double
    /// A sample times enough back-to-back calls to last at least this long (clock resolution, tiny kernels).
    public var minSampleSeconds: Double

    public init(warmup: Int = 2, minRepeats: Int = 5, maxRepeats: Int = 50, targetSpread: Double = 0.05,
                maxSeconds: Double = 20, minSampleSeconds: Double = 0.002) {
        self.warmup = warmup; self.minRepeats = minRepeats; self.maxRepeats = max(minRepeats, maxRepeats)
        self.targetSpread = targetSpread; self.maxSeconds = maxSeconds; self.minSampleSeconds = minSampleSeconds
    }
}

/// Repeated, interleaved timing of one or more bodies (e.g. ours and a baseline library) under a policy.
///
/// Interleaving — one sample of each body per round — makes a noisy neighbour hit every body alike,
/// so the ratio of medians is trustworthy even when absolute numbers drift.
public enum Harness {
    /// The result for one body: seconds per call over all samples, and the calls per sample used.
    public struct Result: Sendable {
        public var seconds: Summary
        public var samples: [Double]
        public var callsPerSample: Int
    }

    /// Measures `bodies` interleaved. Each sample runs a body `callsPerSample` times (calibrated during
    /// warmup so a sample lasts at least `minSampleSeconds`) and records seconds per call.
    public static func interleaved<E: Error>(_ bodies: [() throws(E) -> Void], policy: MeasurementPolicy = .init()) throws(E) -> [Result] {
        guard !bodies.isEmpty else { return [] }
        var calls = [Int](repeating: 1, count: bodies.count)
        for (i, body) in bodies.enumerated() {
            for _ in 0..<max(0, policy.warmup) { try body() }
            // Calibrate: double the call count until one sample is long enough.
            while true {
                let t = try time(body, calls: calls[i])
                if t >= policy.minSampleSeconds || calls[i] >= 1 << 20 { break }
                calls[i] *= 2
            }
        }
        var samples = [[Double]](repeating: [], count: bodies.count)
        let start = MonotonicClock.nanoseconds()
        var round = 0
        while round < policy.maxRepeats {
            for (i, body) in bodies.enumerated() {
                samples[i].append(try time(body, calls: calls[i]) / Double(calls[i]))
            }
            round += 1
            if round >= policy.minRepeats {
                let elapsed = Double(MonotonicClock.nanoseconds() - start) * 1e-9
                let settled = samples.allSatisfy { Summary($0).relativeSpread <= policy.targetSpread }
                if settled || elapsed >= policy.maxSeconds { break }
            }
        }
        return samples.enumerated().map { Result(seconds: Summary($1), samples: $1, callsPerSample: calls[$0]) }
    }

    /// Measures one body.
    public static func measure<E: Error>(_ body: () throws(E) -> Void, policy: MeasurementPolicy = .init()) throws(E) -> Result {
        try withoutActuallyEscaping(body) { (escapable) throws(E) -> Result in
            try interleaved([escapable], policy: policy)[0]
        }
    }

    @inline(__always)
    static func time<E: Error>(_ body: () throws(E) -> Void, calls: Int) throws(E) -> Double {
        let t0 = MonotonicClock.nanoseconds()
        for _ in 0..<calls { try body() }
        return Double(MonotonicClock.nanoseconds() &- t0) * 1e-9
    }
}
