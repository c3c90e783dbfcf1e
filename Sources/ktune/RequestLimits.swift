import ArgumentParser
import Foundation
import Models

/// What a command-line request implies (memory, threads, work), checked against what this machine has
/// before anything is allocated or looped over. A refusal names the flag, the number the request would
/// need and what the machine has — never a failed allocation, an OOM kill or an hour-long loop.
enum RequestLimits {
    /// Physical memory of this machine in bytes (sysconf), or nil when unknown.
    static var physicalMemory: Int? {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return nil }
        let (b, o) = pages.multipliedReportingOverflow(by: size)
        return o ? Int.max : b
    }

    /// Worker threads beyond this many per online CPU only add contention; more is a typo.
    static let threadsPerCPU = 8

    static func checkThreads(_ threads: Int?, flag: String = "--threads") throws {
        guard let threads else { return }
        let cpus = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let cap = cpus * threadsPerCPU
        if threads > cap {
            throw ValidationError("\(flag) \(threads) asks for more than \(cap) worker threads (\(threadsPerCPU) per online CPU; this machine has \(cpus))")
        }
    }

    /// `a × b × …` or nil on overflow.
    static func product(_ xs: Int...) -> Int? {
        var p = 1
        for x in xs {
            guard x >= 0 else { return nil }
            let (r, o) = p.multipliedReportingOverflow(by: x)
            if o { return nil }
            p = r
        }
        return p
    }

    /// Bytes the KV cache and RoPE tables of `config` take for `context` positions (FP32), nil on overflow.
    static func contextBytes(_ c: ModelConfig, context: Int) -> Int? {
        let d = c.numAttentionHeads > 0 ? c.resolvedHeadDim : 0
        guard let kv = product(2, c.numHiddenLayers, c.numKeyValueHeads, d, context, 4),
              let rope = product(2, context, d / 2, 4) else { return nil }
        let (s, o) = kv.addingReportingOverflow(rope)
        return o ? nil : s
    }

    /// Refuses `--context` when its KV cache would not fit in this machine's memory.
    static func checkContext(_ context: Int, config: ModelConfig, source: String) throws {
        guard let need = contextBytes(config, context: context) else {
            throw ValidationError("--context \(context) with \(source) needs more bytes than a 64-bit size can hold")
        }
        if let have = physicalMemory, need > have / 2 {
            throw ValidationError("--context \(context) with \(source) needs \(need) bytes (\(mb(need)) MB) of KV cache; this machine has \(mb(have)) MB of memory (at most half may go to the cache)")
        }
    }

    /// Refuses a kernel instance (bench shape, tuning target) whose operands would not fit in memory.
    static func checkOperands(bytes: Double, what: String) throws {
        // Operands, the reference result and the packed copies: about 3× the minimum traffic.
        let need = bytes * 3
        guard need.isFinite, need >= 0 else { throw ValidationError("\(what): its size is not a finite number of bytes") }
        if let have = physicalMemory, need > Double(have) / 2 {
            throw ValidationError("\(what) needs about \(mb(Int(min(need, 9e18)))) MB for its operands; this machine has \(mb(have)) MB of memory")
        }
    }

    private static func mb(_ b: Int) -> Int { b / 1_000_000 }
}
