import Testing
@testable import Kernels

@Suite struct SearchSpaceTests {
    let space = SearchSpace(
        kernel: "toy",
        parameters: [Parameter("mr", [4, 6, 8]), Parameter("mc", [24, 36, 96])],
        constraints: [Constraint("mc is a multiple of mr") { p in p["mc"]! % p["mr"]! == 0 }])

    @Test func enumerationKeepsOnlyPointsSatisfyingConstraints() {
        let all = space.enumerate()
        #expect(space.cartesianSize == 9)
        #expect(all.allSatisfy { $0["mc"]! % $0["mr"]! == 0 })
        #expect(all.count == 8)  // mr=8 rules out mc=36
    }

    @Test func violationsNameTheBrokenConstraintAndOutOfRangeValues() {
        let bad = ParameterSet(["mr": 7, "mc": 24])
        let v = space.violations(of: bad)
        #expect(v.contains { $0.contains("mr=7") })
        #expect(v.contains("mc is a multiple of mr"))
    }

    @Test func parameterSetRoundTripsThroughItsTextForm() throws {
        let p = ParameterSet(["nr": 32, "mr": 8, "kc": 256])
        #expect(p.description == "kc=256,mr=8,nr=32")
        #expect(try ParameterSet(parsing: p.description) == p)
        #expect(throws: KernelError.self) { try ParameterSet(parsing: "mr=eight") }
    }
}
