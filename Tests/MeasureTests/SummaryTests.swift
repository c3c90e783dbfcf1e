import Testing
@testable import Measure

@Suite struct SummaryTests {
    @Test func medianOfOddAndEvenCounts() {
        #expect(Summary([3, 1, 2]).median == 2)
        #expect(Summary([4, 1, 3, 2]).median == 2.5)
    }

    @Test func minMaxAndQuantilesFollowTheData() {
        let s = Summary([5, 1, 4, 2, 3])
        #expect(s.min == 1 && s.max == 5 && s.count == 5)
        #expect(abs(s.p20 - 1.8) < 1e-12 && abs(s.p80 - 4.2) < 1e-12)
    }

    @Test func mappingThroughADecreasingFunctionSwapsMinAndMax() {
        let seconds = Summary([1, 2, 4])
        let rate = seconds.map { 8 / $0 }
        #expect(rate.min == 2 && rate.max == 8 && rate.median == 4)
    }

    @Test func emptySamplesGiveNaNNotACrash() {
        let s = Summary([])
        #expect(s.count == 0 && s.median.isNaN)
    }
}
