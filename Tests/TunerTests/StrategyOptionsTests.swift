import Testing
@testable import Tuner

@Suite struct StrategyOptionsTests {
    @Test func unknownOptionIsRefusedNamingTheKnownOnes() {
        #expect {
            _ = try StrategyOptions(strategy: "random", table: RandomSearch.options, items: ["sample=3"])
        } throws: { e in
            guard let e = e as? TunerError, case let .unknownOption(s, n, known) = e else { return false }
            return s == "random" && n == "sample" && known.contains("samples") && e.description.contains("samples")
        }
    }

    @Test func illTypedOrOutOfRangeValuesAreRefused() {
        #expect(throws: TunerError.self) {
            _ = try StrategyOptions(strategy: "random", table: RandomSearch.options, items: ["samples=many"])
        }
        #expect(throws: TunerError.self) {
            _ = try StrategyOptions(strategy: "random", table: RandomSearch.options, items: ["samples=-1"])
        }
        #expect(throws: TunerError.self) {
            _ = try StrategyOptions(strategy: "exhaustive", table: ExhaustiveSearch.options, items: ["shuffle=yes"])
        }
        #expect(throws: TunerError.self) {
            _ = try StrategyOptions(strategy: "exhaustive", table: ExhaustiveSearch.options, items: ["shuffle"])
        }
    }

    @Test func defaultsComeFromTheTableAndItemsOverrideThem() throws {
        let o = try StrategyOptions(strategy: "adaptive", table: AdaptiveSearch.options, items: ["finalists=6"])
        #expect(o.int("finalists") == 6)
        #expect(o.double("explore-fraction") == 0.1)
        #expect(o.int("restarts") == 4)
    }

    @Test func everyDeclaredDefaultParsesAsItsOwnType() throws {
        for s in StrategyRegistry.all {
            for option in s.options {
                try option.validate(option.defaultValue, strategy: s.name)
            }
        }
    }

    @Test func helpIsGeneratedFromTheOptionTables() {
        let help = StrategyRegistry.helpText()
        for s in StrategyRegistry.all {
            #expect(help.contains(s.name))
            for option in s.options { #expect(help.contains(option.name) && help.contains(option.help)) }
        }
        #expect(help.contains("adaptive (default)"))
    }

    @Test func unknownStrategyListsTheKnownOnes() {
        #expect {
            _ = try StrategyRegistry.strategy(named: "bayes")
        } throws: { e in
            (e as? TunerError)?.description.contains("exhaustive") == true
        }
    }
}
