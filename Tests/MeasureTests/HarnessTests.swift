import Testing
@testable import Measure

@Suite struct HarnessTests {
    @Test func interleavedRunsEveryBodyOncePerRoundAfterWarmupAndCalibration() {
        var calls = [0, 0]
        let policy = MeasurementPolicy(warmup: 3, minRepeats: 4, maxRepeats: 4, targetSpread: 0,
                                       maxSeconds: 10, minSampleSeconds: 0)
        let results = Harness.interleaved([{ calls[0] += 1 }, { calls[1] += 1 }], policy: policy)
        #expect(results.count == 2)
        #expect(results.allSatisfy { $0.samples.count == 4 && $0.callsPerSample == 1 && $0.seconds.count == 4 })
        // 3 warmups + 1 calibration sample + 4 measured, for each body.
        #expect(calls == [8, 8])
    }

    @Test func calibrationBatchesTinyBodiesUntilASampleIsLongEnough() {
        var sink = 0
        let policy = MeasurementPolicy(warmup: 0, minRepeats: 2, maxRepeats: 2, minSampleSeconds: 0.0005)
        let result = Harness.measure({ sink &+= 1 }, policy: policy)
        #expect(result.callsPerSample > 1)
        #expect(result.seconds.median > 0 && result.seconds.median < 0.0005)
        #expect(sink > 0)
    }

    @Test func samplingStopsAtTheTimeCapEvenWhenSpreadIsNeverReached() {
        var n = 0
        let policy = MeasurementPolicy(warmup: 0, minRepeats: 2, maxRepeats: 1_000_000, targetSpread: -1,
                                       maxSeconds: 0.05, minSampleSeconds: 0.001)
        let r = Harness.measure({ n += 1 }, policy: policy)
        #expect(r.samples.count >= 2 && r.samples.count < 1_000_000)
    }

    @Test func errorsFromABodyPropagate() {
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            _ = try Harness.measure({ () throws(Boom) in throw Boom() }, policy: MeasurementPolicy(warmup: 0))
        }
    }
}
