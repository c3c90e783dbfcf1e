import Testing
@testable import Report

@Suite struct TextTableTests {
    @Test func columnsAlignWithNumbersRightAndTextLeft() {
        var t = TextTable(header: ["kernel", "GFLOP/s"])
        t.append(["matmul", "480.5"])
        t.append(["attention.decode", "12.0"])
        let lines = t.render().split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[2] == "matmul              480.5")
        #expect(lines[3] == "attention.decode     12.0")
        #expect(lines[1].hasPrefix("----------------  "))
    }
}
