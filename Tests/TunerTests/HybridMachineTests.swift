import Foundation
import Testing
import Configs
import Kernels
import Probe
@testable import Tuner

/// The tuner's view of a hybrid laptop (Raptor Lake's topology file standing in for the machine): the traits
/// carry the core kinds, the seed splits N dynamically, the threads axis is "how many of each kind" (fastest
/// first), and the tuned config records the kinds and the placement.
@Suite struct HybridMachineTests {
    static let raptorLake = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("profiles/machines/Intel-RaptorLake-Corei7-1370P.xml").path

    @Test func raptorLakeTraitsSeedAndSummaryUseTheKinds() throws {
        let machine = try Prober.probe(topologyXML: Self.raptorLake)
        let (context, _) = MachineContext.from(machine)
        #expect(context.traits.cores == 14)
        #expect(Set(context.traits.coreKinds.map(\.name)) == ["IntelCore", "IntelAtom"])
        let order = CorePlacement.fastestFirst.cores(context.traits.coreKinds)
        let pCores = try #require(machine.coreKinds.first { $0.coreType == "IntelCore" })
        #expect(Array(order.prefix(6)) == pCores.coreIndexes)
        #expect(Matmul.analyticalDefault(m: 256, n: 4096, k: 1024, on: context.traits)["split"] == 2)
        #expect(context.summary.placement == "fastest-first: IntelCore L#0-5, then IntelAtom L#6-13")
        #expect(context.summary.coreKinds == ["IntelCore: 6 cores L#0-5, 12 threads, efficiency 1",
                                              "IntelAtom: 8 cores L#6-13, 8 threads, efficiency 0"])
        let data = try JSONEncoder().encode(context.summary)
        #expect(try JSONDecoder().decode(TunedConfig.MachineSummary.self, from: data) == context.summary)
    }

    @Test func aMachineWithOneKindHasNoKindsInItsTraitsOrSummary() throws {
        let path = URL(fileURLWithPath: Self.raptorLake).deletingLastPathComponent()
            .appendingPathComponent("synthetic-2socket-smt2-zen5like.xml").path
        let (context, _) = MachineContext.from(try Prober.probe(topologyXML: path))
        #expect(context.traits.coreKinds.isEmpty)
        #expect(context.summary.placement == nil && context.summary.coreKinds == nil)
    }
}
