import Foundation
import Testing
@testable import Kernels

/// Thread placement on the hybrid laptops' topologies (profiles/machines): a topology file stands in for the
/// machine in the placement logic, and hwloc's own `hwloc-info` says which core is which kind. Binding and
/// the speed of each kind need the real machine (this VM has one kind of core).
@Suite struct CorePlacementTests {
    static let machines = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("profiles/machines")

    /// Core logical index → CoreType, from `hwloc-info -i FILE core:all` ("cpukind info CoreType = ...").
    static func hwlocCoreTypes(_ file: String) throws -> [Int: String] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/hwloc-info")
        p.arguments = ["--if", "xml", "--input", file, "core:all"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        var types: [Int: String] = [:]
        var current = -1
        for line in text.split(separator: "\n") {
            if line.hasPrefix("Core L#") { current = Int(line.dropFirst("Core L#".count)) ?? -1 }
            if line.hasPrefix(" cpukind info CoreType = ") {
                types[current] = String(line.dropFirst(" cpukind info CoreType = ".count))
            }
        }
        return types
    }

    static var hwlocInfo: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/hwloc-info") }

    @Test(.enabled(if: hwlocInfo), arguments: [("Intel-RaptorLake-Corei7-1370P", 6, 8), ("Intel-ArrowLake-CoreUltra5-225U", 2, 10)])
    func fastestFirstPutsEveryPCoreBeforeAnyECore(name: String, pCores: Int, eCores: Int) throws {
        let file = Self.machines.appendingPathComponent(name + ".xml").path
        let kinds = try #require(HostCoreKinds.read(xmlPath: file))
        let types = try Self.hwlocCoreTypes(file)
        #expect(kinds.map(\.name).sorted() == ["IntelAtom", "IntelCore"])
        for k in kinds { for c in k.cores { #expect(types[c] == k.name, "core L#\(c)") } }

        let order = CorePlacement.fastestFirst.cores(kinds)
        #expect(order.count == pCores + eCores && Set(order).count == order.count)
        #expect(order.prefix(pCores).allSatisfy { types[$0] == "IntelCore" })
        #expect(order.dropFirst(pCores).allSatisfy { types[$0] == "IntelAtom" })
        // A thread count means "the first t cores": P-cores only up to their count, then E-cores added.
        #expect(CorePlacement.fastestFirst.threadsPerKind(pCores, kinds: kinds).map(\.threads) == [pCores])
        #expect(CorePlacement.fastestFirst.threadsPerKind(pCores + 2, kinds: kinds).map { "\($0.kind)=\($0.threads)" }
                == ["IntelCore=\(pCores)", "IntelAtom=2"])
        #expect(CorePlacement.fastestFirst.summary(threads: pCores + 2, kinds: kinds)
                == "IntelCore ×\(pCores) + IntelAtom ×2 (fastest-first)")

        let efficient = CorePlacement(order: .efficientFirst).cores(kinds)
        #expect(efficient.prefix(eCores).allSatisfy { types[$0] == "IntelAtom" })
        let eOnly = try CorePlacement(parsing: "IntelAtom:3").cores(kinds)
        #expect(eOnly.count == 3 && eOnly.allSatisfy { types[$0] == "IntelAtom" })
        let mixed = try CorePlacement(parsing: "IntelCore:1,IntelAtom:2").cores(kinds)
        #expect(mixed.map { types[$0] ?? "" } == ["IntelCore", "IntelAtom", "IntelAtom"])
    }

    @Test func aMachineWithOneKindPlacesCoresInLogicalOrder() throws {
        let kinds = try #require(HostCoreKinds.read(xmlPath: Self.machines.appendingPathComponent("synthetic-2socket-smt2-zen5like.xml").path))
        #expect(kinds.count == 1)
        #expect(CorePlacement.fastestFirst.cores(kinds) == Array(0..<32))
    }

    @Test func coresStraddlingKindsArePlacedOnce() throws {
        // fakecpukinds.xml: 2 cores whose hardware threads belong to 3 kinds.
        let kinds = try #require(HostCoreKinds.read(xmlPath: Self.machines.appendingPathComponent("fakecpukinds.xml").path))
        #expect(kinds.count == 3)
        #expect(CorePlacement.fastestFirst.cores(kinds).sorted() == [0, 1])
    }

    @Test func placementTextIsParsedOrRejectedWithTheExpectedForms() throws {
        #expect(try CorePlacement(parsing: "fastest-first") == .fastestFirst)
        #expect(try CorePlacement(parsing: "efficient-first").order == .efficientFirst)
        #expect(try CorePlacement(parsing: "IntelCore:4,IntelAtom:2").limits == ["IntelCore": 4, "IntelAtom": 2])
        for bad in ["", "IntelCore", "IntelCore:x", ":3", "IntelCore:-1"] {
            #expect(throws: KernelError.self) { try CorePlacement(parsing: bad) }
        }
    }

    @Test func thePoolRecordsTheKindOfEachThread() {
        let pool = WorkerPool(threads: 2)
        if pool.isPinned {
            #expect(pool.threadKinds.count == 2)
            #expect(pool.placementSummary(threads: 2).hasSuffix("(fastest-first)"))
        }
        var hits = [Int](repeating: 0, count: 64)
        hits.withUnsafeMutableBufferPointer { h in
            let base = h.baseAddress!
            pool.parallelFor(64, threads: 2) { t, _ in base[t] += 1 }
        }
        #expect(hits.allSatisfy { $0 == 1 })
    }

    @Test func theAnalyticalSeedSplitsNDynamicallyOnAHybridMachine() {
        var traits = MachineTraits.fallback(cores: 14, maxSIMDLanes: 8)
        #expect(Matmul.analyticalDefault(m: 512, n: 4096, k: 512, on: traits)["split"] == 0)
        traits.coreKinds = [CoreKindSlot(name: "IntelAtom", efficiency: 0, cores: Array(6..<14)),
                            CoreKindSlot(name: "IntelCore", efficiency: 1, cores: Array(0..<6))]
        #expect(Matmul.analyticalDefault(m: 512, n: 4096, k: 512, on: traits)["split"] == 2)
        let space = Matmul.searchSpace(m: 512, n: 4096, k: 512, on: traits)
        #expect(space.parameters.first { $0.name == "split" }?.values == [0, 1, 2])
        #expect(space.parameters.first { $0.name == "threads" }?.help.contains("IntelCore ×6 then IntelAtom ×8") == true)
    }
}
