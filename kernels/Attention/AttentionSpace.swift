/// The attention search spaces and analytical seeds, declared next to the kernels.
extension Attention {
    /// SIMD widths this machine runs that divide `headDim` (always at least 4 when headDim allows).
    static func lanesOffered(headDim: Int, maxLanes: Int) -> [Int] {
        let fit = [4, 8, 16].filter { $0 <= maxLanes && headDim % $0 == 0 }
        return fit.isEmpty ? [4] : fit
    }

    static func withSeed(_ values: [Int], _ seed: Int?) -> [Int] {
        Array(Set(values + (seed.map { [$0] } ?? []))).sorted()
    }

    /// Prefill: `lanes`, `br` (query rows per block), `bc` (keys per block), `threads`.
    public static func prefillSearchSpace(tokens: Int, shape: AttentionShape, on machine: MachineTraits) -> SearchSpace {
        let seed = analyticalDefaultPrefill(tokens: tokens, shape: shape, on: machine)
        let d = shape.headDim, l2 = machine.l2Bytes, cores = max(1, machine.cores), maxLanes = machine.maxSIMDLanes
        return SearchSpace(kernel: prefillFamily, parameters: [
            Parameter("lanes", withSeed(lanesOffered(headDim: d, maxLanes: maxLanes), seed["lanes"]), help: "SIMD width in Float lanes"),
            Parameter("br", withSeed([16, 32, 64, 128], seed["br"]), help: "query rows per block (multiple of 4)"),
            Parameter("bc", withSeed([16, 32, 64, 128, 256], seed["bc"]), help: "key columns per block (multiple of lanes)"),
            Parameter("threads", Array(1...cores), help: "threads used"),
        ], constraints: [
            Constraint("bc is a multiple of lanes") { p in (p["bc"] ?? 0) % max(1, p["lanes"] ?? 1) == 0 },
            Constraint("headDim (\(d)) is a multiple of lanes") { p in d % max(1, p["lanes"] ?? 1) == 0 },
            Constraint("lanes ≤ maxSIMDLanes (\(maxLanes))") { p in (p["lanes"] ?? 0) <= maxLanes },
            Constraint("task tiles (2·br·d + br·bc + 2·bc·d floats) fit in L2 (\(l2) B)") { p in
                let br = p["br"] ?? 0, bc = p["bc"] ?? 0
                return (2 * br * d + br * bc + 2 * bc * d) * 4 <= l2 },
        ])
    }

    /// Decode: `lanes`, `chunk` (cache rows per task), `block` (rows per softmax step), `threads`.
    public static func decodeSearchSpace(length: Int, shape: AttentionShape, on machine: MachineTraits) -> SearchSpace {
        let seed = analyticalDefaultDecode(length: length, shape: shape, on: machine)
        let d = shape.headDim, cores = max(1, machine.cores), maxLanes = machine.maxSIMDLanes
        return SearchSpace(kernel: decodeFamily, parameters: [
            Parameter("lanes", withSeed(lanesOffered(headDim: d, maxLanes: maxLanes), seed["lanes"]), help: "SIMD width in Float lanes"),
            Parameter("chunk", withSeed([32, 64, 128, 256, 512, 1024, 2048, 4096], seed["chunk"]), help: "cache rows per task"),
            Parameter("block", withSeed([8, 16, 32, 64], seed["block"]), help: "rows per online-softmax step"),
            Parameter("threads", Array(1...cores), help: "threads used"),
            Parameter("kvsplit", withSeed([1, 2, 4, 8].filter { $0 <= max(1, shape.kvHeads) }, seed["kvsplit"]),
                      help: "groups of KV heads per chunk (tasks = chunks × groups)"),
            Parameter("pf", withSeed([0, 4, 8, 16, 32], seed["pf"]), help: "prefetch distance in cache rows (0: none)"),
        ], constraints: [
            Constraint("kvsplit ≤ kvHeads (\(shape.kvHeads))") { p in (p["kvsplit"] ?? 1) <= max(1, shape.kvHeads) },
            Constraint("chunk is a multiple of block") { p in (p["chunk"] ?? 0) % max(1, p["block"] ?? 1) == 0 },
            Constraint("headDim (\(d)) is a multiple of lanes") { p in d % max(1, p["lanes"] ?? 1) == 0 },
            Constraint("lanes ≤ maxSIMDLanes (\(maxLanes))") { p in (p["lanes"] ?? 0) <= maxLanes },
        ])
    }

    /// Untuned prefill default: the widest SIMD width dividing headDim; bc = 4 vectors (one full Q·Kᵀ
    /// register tile per row group); the largest br ≤ 128 whose task tiles (Q and O br×d, S br×bc, K and
    /// V blocks bc×d) fit in a quarter of L2, halved while there are fewer than 4 tasks per core.
    public static func analyticalDefaultPrefill(tokens: Int, shape: AttentionShape, on machine: MachineTraits) -> ParameterSet {
        let d = max(1, shape.headDim)
        let lanes = lanesOffered(headDim: d, maxLanes: machine.maxSIMDLanes).last ?? 4
        let bc = 4 * lanes
        var br = 128
        while br > 16 && (2 * br * d + br * bc + 2 * bc * d) * 4 > machine.l2Bytes / 4 { br /= 2 }
        let cores = max(1, machine.cores)
        while br > 16 && max(1, shape.heads) * ((max(1, tokens) + br - 1) / br) < 4 * cores { br /= 2 }
        return ParameterSet(["lanes": lanes, "br": br, "bc": bc, "threads": cores])
    }

    /// Untuned decode default: the widest SIMD width dividing headDim; block = 32 rows; kvsplit: 1 (whole
    /// cache rows per task: a row is kvHeads·headDim floats, often a multiple of 4 KiB, and slices of such
    /// rows all fall in the same few L1 sets), more only while a short cache gives fewer than 4 blocks per
    /// core to spread; chunk the power of two giving about 8 tasks per core (at least one block, at most
    /// 2048 rows, so the merge stays small); pf = block: each row prefetches its counterpart one block
    /// ahead (L=8192, h=32, kv=8, d=128, 2 threads, best of 20 on a loaded machine: block/pf 32/32
    /// 18.4 GB/s, 16/8 20.6, 8/4 22.3 — within the noise; the tuner picks per shape); threads: one below
    /// 256 KiB of K/V, else every core.
    public static func analyticalDefaultDecode(length: Int, shape: AttentionShape, on machine: MachineTraits) -> ParameterSet {
        let d = max(1, shape.headDim)
        let lanes = lanesOffered(headDim: d, maxLanes: machine.maxSIMDLanes).last ?? 4
        let cores = max(1, machine.cores)
        let block = 32
        let kvHeads = max(1, shape.kvHeads)
        var kvsplit = 1
        while kvsplit * 2 <= min(8, kvHeads) && kvHeads % (kvsplit * 2) == 0
                && kvsplit * max(1, length) / block < 4 * cores { kvsplit *= 2 }
        var chunk = block
        while chunk < 2048 && chunk * 2 * 8 * cores <= length * kvsplit { chunk *= 2 }
        let pf = block
        // A short cache is read by one thread: below 256 KiB of K/V the split saves less than the fork/join,
        // the query and partial results crossing cores and the merge cost (L=128, h=9, kv=3, d=64: 1 thread
        // 10 µs, 2 threads 11 µs; SmolLM2 decode tg128 ~+8% tokens/s, medians of 6 interleaved runs on a
        // noisy machine, 2026-12-02).
        let kvBytes = max(1, length) * kvHeads * d * 8
        let threads = kvBytes < 256 << 10 ? 1 : cores
        return ParameterSet(["lanes": lanes, "chunk": chunk, "block": block, "threads": threads, "kvsplit": kvsplit, "pf": pf])
    }
}
