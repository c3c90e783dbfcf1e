/// The matmul search space and its analytical seed, declared next to the kernel.
extension Matmul {
    /// Skinny path applies to decode-like shapes with at most this many rows.
    public static let skinnyMaxRows = 16

    /// The parameters the tuner may vary for an M×N×K matmul on `machine`, with typed constraints.
    /// Value lists always contain the analytical default's values. Shapes with M ≤ 16 also offer the
    /// skinny path (and then keep the blocked cache blocks at their analytical values to keep the space small).
    public static func searchSpace(m: Int, n: Int, k: Int, on machine: MachineTraits) -> SearchSpace {
        let seed = analyticalDefault(m: m, n: n, k: k, on: machine)
        let kernels = MicroKernelRegistry.available(maxLanes: machine.maxSIMDLanes)
        func with(_ values: [Int], _ name: String) -> [Int] {
            Array(Set(values + [seed[name] ?? values[0]])).sorted()
        }
        let skinny = m <= skinnyMaxRows
        let lanes = Array(Set(kernels.map(\.lanes))).sorted()
        let mrs = Array(Set(kernels.map(\.mr))).sorted()
        let nrs = Array(Set(kernels.map(\.nr))).sorted()
        let mcs = skinny ? with([], "mc") : with([48, 64, 96, 112, 144, 192, 224, 288, 384, 576, 768], "mc")
        let kcs = skinny ? with([], "kc") : with([128, 192, 256, 384, 512], "kc")
        let ncs = skinny ? with([], "nc") : with([256, 512, 1024, 2048, 4096], "nc")
        let parameters = [
            Parameter("path", skinny ? [0, 1] : [0], help: "0: blocked GotoBLAS path, 1: skinny streaming path (M ≤ 16)"),
            Parameter("lanes", lanes, help: "SIMD width in Float lanes"),
            Parameter("mr", mrs, help: "register tile rows"),
            Parameter("nr", nrs, help: "register tile columns"),
            Parameter("mc", mcs, help: "rows of A per packed block (L2)"),
            Parameter("kc", kcs, help: "reduction depth per packed block (L1)"),
            Parameter("nc", ncs, help: "columns of B per packed block (L3)"),
            Parameter("threads", Array(1...max(1, machine.cores)), help: machine.coreKinds.count > 1
                      ? "threads used, on the pool's cores fastest kind first: which cores and how many of each kind ("
                        + CorePlacement.fastestFirst.ordered(machine.coreKinds).map { "\($0.name) ×\($0.cores.count)" }
                            .joined(separator: " then ") + ")"
                      : "threads used"),
            Parameter("split", [0, 1, 2], help: "loop the threads divide: 0 = N (jc), 1 = M (ic), 2 = N in dynamic chunks (hybrid cores)"),
            Parameter("sn", skinny ? with([32, 64, 128, 256, 512], "sn") : with([], "sn"), help: "skinny: output columns per task"),
            Parameter("su", skinny ? MatmulParams.skinnyUnrolls : with([], "su"), help: "skinny: weight rows / vectors per step"),
            Parameter("sr", skinny ? MatmulParams.skinnyRowGroups : with([], "sr"), help: "skinny: rows of A per register group"),
            Parameter("sk", skinny ? with([0, 256, 1024, 4096], "sk") : with([], "sk"), help: "skinny: K chunk of A kept in cache (0: all of K)"),
            Parameter("pf", skinny ? with([0, 512, 1024, 2048, 4096], "pf") : with([], "pf"), help: "skinny: prefetch distance in bytes ahead in each weight row (0: none)"),
            Parameter("pn", skinny && m > 1 ? with([0, 1, 2], "pn") : with([], "pn"),
                      help: "skinny, M > sr: next weight tile prefetched over the row groups (0: none, 1: into L2, 2: into L1)"),
        ]
        let l1 = machine.l1dBytes, l2 = machine.l2Bytes, cores = machine.cores, maxLanes = machine.maxSIMDLanes
        let constraints = [
            Constraint("(lanes, mr, nr) is a registered micro-kernel") { p in
                MicroKernelRegistry.kernel(lanes: p["lanes"] ?? 0, mr: p["mr"] ?? 0, nr: p["nr"] ?? 0) != nil },
            Constraint("mc is a multiple of mr") { p in (p["mc"] ?? 0) % max(1, p["mr"] ?? 1) == 0 },
            Constraint("nc is a multiple of nr") { p in (p["nc"] ?? 0) % max(1, p["nr"] ?? 1) == 0 },
            Constraint("kc·nr·4 bytes fit in 3/4 of L1 (\(l1) B)") { p in
                (p["kc"] ?? 0) * (p["nr"] ?? 0) * 4 <= l1 * 3 / 4 },
            Constraint("mc·kc·4 bytes fit in L2 (\(l2) B)") { p in (p["mc"] ?? 0) * (p["kc"] ?? 0) * 4 <= l2 },
            Constraint("threads ≤ cores (\(cores))") { p in (p["threads"] ?? 1) <= cores },
            Constraint("lanes ≤ maxSIMDLanes (\(maxLanes))") { p in (p["lanes"] ?? 0) <= maxLanes },
            Constraint("sr·su ≤ 16 accumulators") { p in (p["sr"] ?? 1) * (p["su"] ?? 1) <= 16 },
        ]
        return SearchSpace(kernel: family, parameters: parameters, constraints: constraints)
    }

    /// The BLIS analytical model (Low et al., TOMS 2016; LLVM Polly's MatmulOptimizer) for this shape:
    /// - tile: the registered kernel of the widest SIMD width whose MR·NR ≥ 2·lanes·L_fma·N_fma (twice the
    ///   minimum that hides FMA latency: a 8×32 zmm tile on Zen 5), preferring 2-vector-wide tiles;
    /// - KC = C_Ar·S_L1 / (MR·W_L1·4) with C_Ar = ⌊(W_L1 − 1)/(1 + NR/MR)⌋ ways of L1 for the A micro-panel;
    /// - MC = ⌊(W_L2 − 2)/C_Ac⌋ rounded down to MR, C_Ac = KC·4·W_L2/S_L2 (two L2 ways left for streams);
    /// - NC = 256·NR (Polly), capped at N rounded up to NR;
    /// - threads = cores, but only as many as have ≥ 4 MFLOP (blocked) or ≥ 512 KiB of B (skinny) each,
    ///   splitting whichever of M and N has more register tiles; on a machine with several core kinds the N
    ///   split is dynamic (split 2) and the threads are the fastest cores first (the pool's placement);
    /// - skinny path for M ≤ 16: the register shape sr×su with the fewest loads per FMA (2×8 when that
    ///   leaves more than two row groups, which would re-read A from L2 too often), all of K per pass
    ///   unless M·K floats of A exceed half of L2.
    public static func analyticalDefault(m: Int, n: Int, k: Int, on machine: MachineTraits) -> ParameterSet {
        let lanes = [16, 8, 4].first { $0 <= machine.maxSIMDLanes && !MicroKernelRegistry.available(maxLanes: $0).isEmpty } ?? 4
        let minTile = lanes * max(1, machine.fmaLatency) * max(1, machine.fmaPipes)
        let candidates = MicroKernelRegistry.all.filter { $0.lanes == lanes }
        let tile = candidates.filter { $0.nr == 2 * lanes && $0.mr * $0.nr >= 2 * minTile }.min { $0.mr < $1.mr }
            ?? candidates.filter { $0.mr * $0.nr >= minTile }.min { $0.mr * $0.nr < $1.mr * $1.nr }
            ?? candidates.first ?? MicroKernelRegistry.all[0]
        let mr = tile.mr, nr = tile.nr
        let elem = 4
        let w1 = max(2, machine.l1dWays), s1 = max(4096, machine.l1dBytes)
        let car = max(1, (w1 - 1) * mr / (mr + nr))
        var kc = car * s1 / (mr * w1 * elem)
        kc = max(16, min(kc, k))
        let w2 = max(4, machine.l2Ways), s2 = max(65536, machine.l2Bytes)
        var mc = (w2 - 2) * s2 / (kc * elem * w2)
        mc = max(mr, mc / mr * mr)
        mc = min(mc, (m + mr - 1) / mr * mr)
        let nc = min(256 * nr, (n + nr - 1) / nr * nr)
        // On a hybrid machine the N split is claimed in chunks (split 2): a static split would wait for the
        // slowest (E-)core.
        let splitN = machine.coreKinds.count > 1 ? 2 : 0
        let split = (n + nr - 1) / nr >= (m + mr - 1) / mr ? splitN : 1
        let skinny = m <= skinnyMaxRows
        // Skinny register shape: the fewest loads per FMA, (sr + su)/(sr·su), with sr ≤ M and sr·su ≤ 16
        // accumulators: 4×4 for M ≥ 4 (8 loads per 16 FMAs), 2×4 for M = 2–3, 1×4 for M = 1.
        // Measured on 16x4096x4096 (2 threads, loaded machine, ratio to OpenBLAS): 4×4 2.39×, 8×2 1.51×, 8×1 1.35×.
        var sr = 1, su = 1
        for r in MatmulParams.skinnyRowGroups where r <= max(1, m) {
            for u in MatmulParams.skinnyUnrolls where r * u <= 16 && u <= 4 {
                if (r + u) * sr * su < (sr + su) * r * u { sr = r; su = u }
            }
        }
        // With several row groups, every group re-reads its rows of the packed A from L2 once per su weight
        // rows: M/su bytes of A per weight byte, which at M = 16 with 4×4 (4 bytes of A from L2 per byte of
        // weights streamed) saturates L2 before DRAM (probed: ~110 GB/s of L2 reads per core). Beyond two
        // groups, 2×8 halves that traffic (eight weight rows per step, 10 loads per 16 FMAs).
        if skinny && m > 2 * sr { sr = 2; su = 8 }
        // `.kn` and single-group `.nk` K chunk: all of K (no per-chunk reductions) while M rows of A fit in half of L2;
        // chunking to L1 measured 1.5–2× slower at M = 16 (sk=256: 1.15× OpenBLAS vs sk=0: 1.51×).
        let rowsA = max(1, min(m, skinnyMaxRows))
        let skFit = max(256, machine.l2Bytes / 2 / (4 * rowsA) / 256 * 256)
        // `.nk` with several row groups (M > sr): K chunks whose su·sk weight tile fits in two thirds of
        // L1, so every group after the first re-reads it from L1 (a power of two ≥ 256 floats). Measured
        // on 16x4096x4096, 1 thread (best of 15, loaded machine): sk=2048 10.3 ms, 1024 18.0 ms, whole
        // rows re-read from L2 ~50 ms.
        var skTile = 256
        while skTile * 2 * su * 4 <= machine.l1dBytes * 2 / 3 { skTile *= 2 }
        let sk = m > sr ? (skTile >= k ? 0 : skTile) : (skFit >= k ? 0 : skFit)
        // Threads: each must get enough work to pay for waking it (a few µs): ≥ 4 MFLOP on the blocked
        // path, ≥ 512 KiB of B streamed on the skinny path; at most one per core.
        let flops = 2.0 * Double(m) * Double(n) * Double(k)
        let perThread = skinny ? Double(n) * Double(k) * 4 / Double(512 << 10) : flops / 4e6
        let cores = max(1, min(machine.cores, Int(perThread.rounded(.down))))
        // Prefetch distance: enough bytes in flight per core to cover DRAM latency (Little's law,
        // ~100 ns × ~25 GB/s per core ≈ 2.5 KB, spread over the su streamed rows), in whole lines,
        // clamped to 512...4096 (shorter gains nothing over the hardware prefetcher, longer is evicted).
        let inFlight = 2560
        // Twice that (slack for the loop's own demand misses). Seeded only for a weight larger than the L3
        // (it cannot be cache-resident in any call; measured 4x4096x4096, 2 threads, best of 40: pf=1024
        // 42–44 GB/s vs pf=0 28–33); smaller weights keep the earlier no-prefetch loop until tuned.
        let pf = skinny && n * k * 4 > machine.l3Bytes ? max(512, min(4096, inFlight / su / 64 * 64 * 2)) : 0
        // Several row groups (M > sr): the next su×sk weight tile is prefetched into L2 while all groups
        // compute (pn = 1), so DRAM streams during the whole tile instead of only during the first group;
        // into L2, not L1, because the current tile already takes two thirds of L1 (see skTile).
        let pn = skinny && m > sr ? 1 : 0
        // Enough tasks per thread (8) to balance a shared machine.
        var sn = 16
        while sn < 512 && sn * 2 * cores * 8 <= n { sn *= 2 }
        return ParameterSet(["path": skinny ? 1 : 0, "lanes": lanes, "mr": mr, "nr": nr, "mc": mc, "kc": kc,
                             "nc": nc, "threads": cores, "split": split, "sn": sn, "su": su, "sr": sr, "sk": sk, "pf": pf, "pn": pn])
    }
}
