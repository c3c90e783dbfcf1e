/// The quantized matmul search space and its analytical seed, declared next to the kernel.
extension QuantMatmul {
    /// Whether the decode tile sr×su exists for `act` on the AVX-512 kernels (`QuantMatmulParams.fits`).
    static func fitsRegisters(act: Int, sr: Int, su: Int) -> Bool {
        QuantMatmulParams.fits(isa: 2, act: act, sr: sr, su: su)
    }

    /// The decode instruction set the seed takes for (format, act) on `cpu`: AVX-512 where the CPU has
    /// it (with VNNI for int8), else AVX2 (whose int8 kernels cover Q4_0, Q4_1, Q5_0, Q4_K), else portable.
    static func seedISA(format: QuantFormat, act: Int, cpu: QuantCPU) -> Int {
        if act == 0 { return cpu.integerDot ? 2 : 1 }
        return cpu.avx512 ? 2 : (cpu.avx2 ? 1 : 0)
    }

    /// The analytical seed for y[M×N] = x[M×K]·Wᵀ with W in `format`:
    /// - path: decode for M ≤ 16 (bandwidth-bound: the weights are read once), prefill above;
    /// - act: int8 activations where the CPU has an integer kernel for the format (`vpdpbusd`, or AVX2's
    ///   `vpmaddubsw`) — one instruction per 64 (32) multiply-adds instead of dequantizing to FP32 and FMAs;
    /// - isa: the widest instruction set with that kernel (`seedISA`);
    /// - register shape (sr, su): the most weight rows in flight (su = 4 hides the load latency of four
    ///   independent streams at M = 1) with as many activation rows as the register budget allows;
    /// - threads: all cores once each gets ≥ 64 KiB of weights (decode: one core streams about half the
    ///   DRAM bandwidth, and a fork/join on the spinning pool costs about a microsecond, the time to stream
    ///   ~30 KiB; SmolLM2's 576×576 Q4_1 matrix, 207 KB, takes both cores) or ≥ 4 MFLOP (prefill);
    ///   rn (decode): one task per thread, ⌈N/threads⌉ rows rounded to su — each thread streams one
    ///   contiguous range, so its prefetches run ahead in its own rows. Smaller tasks claimed from a
    ///   shared counter interleave the threads' ranges: every prefetch past a task's end fetches rows the
    ///   other core will read, and every claim moves the counter's line between cores. Measured 2026-12-02
    ///   (Zen 5, 2 threads, cold Q4_1): 1×576×576 26 → 13 µs, 1×3072×576 56 → 38 µs; SmolLM2 decode
    ///   138 → 167 tokens/s. Prefill: rows per task such that each thread gets ≥ 8 tasks;
    /// - prefill: the FP32 blocked matmul's BLIS model (`Matmul.analyticalDefault`) for the tile, MC and
    ///   NC, with KC = 256 (one K-quant super-block; the B̃ micro-panel 256·NR·4 B = 32 KiB sits in L1).
    public static func analyticalDefault(m: Int, n: Int, k: Int, format: QuantFormat, on machine: MachineTraits,
                                         cpu: QuantCPU = .host) -> ParameterSet {
        let path = m <= 16 ? 0 : 1
        let act = cpu.integerPath(format) ? 0 : 1
        let isa = seedISA(format: format, act: act, cpu: cpu)
        var sr = 1, su = 4
        if m >= 4 { sr = 4; su = 2 } else if m >= 2 { sr = 2; su = 4 }
        if isa == 1 && act == 0 { (sr, su) = m >= 4 ? (4, 1) : (m >= 2 ? (2, 2) : (1, 4)) }
        // Q4_K's 4×2 tile spills 29 zmm registers to the stack (objdump, 2026-12-02) and its 4×1 none: with
        // one group of activation rows (M < 8) the 4×1 tile is faster (4×4096×4096, 2 threads: 330 vs 288
        // GFLOP/s); with more groups the 4×2 tile's halved weight unpacking wins (M = 16: 296 vs 234).
        if isa == 2 && act == 0 && format == .q4_K && m >= 4 && m < 8 { su = 1 }
        if !QuantMatmulParams.fits(isa: isa, act: act, sr: sr, su: su) { sr = 1; su = 4 }
        let weightBytes = Double(n) * Double(format.rowBytes(cols: max(k, format.blockElements)))
        let flops = 2.0 * Double(m) * Double(n) * Double(k)
        let perThread = path == 0 ? weightBytes / Double(64 << 10) : flops / 4e6
        let threads = max(1, min(machine.cores, Int(perThread.rounded(.down))))
        var rn = 16
        while rn < 512 && rn * 2 * threads * 8 <= n { rn *= 2 }
        if path == 0 { rn = max(su, ((n + threads - 1) / threads + su - 1) / su * su) }
        let fp = Matmul.analyticalDefault(m: max(m, 17), n: n, k: k, on: machine)
        var lanes = fp["lanes"] ?? 16, mr = fp["mr"] ?? 8, nr = fp["nr"] ?? 32
        if !prefillTiles.contains(where: { $0 == (lanes, mr, nr) }) {
            let t = prefillTiles.first { $0.lanes <= min(lanes, cpu.maxLanes) } ?? prefillTiles[prefillTiles.count - 1]
            lanes = t.lanes; mr = t.mr; nr = t.nr
        }
        let kc = 256
        let w2 = max(4, machine.l2Ways), s2 = max(65536, machine.l2Bytes)
        var mc = (w2 - 2) * s2 / (kc * 4 * w2)
        mc = max(mr, min(mc / mr * mr, (m + mr - 1) / mr * mr))
        let nc = max(nr, min(256 * nr, (n + nr - 1) / nr * nr))
        // Decode weights stream from DRAM in a model (every matrix read once per token): prefetching 4 KiB
        // ahead in the weight stream doubled the bandwidth of 1×3072×576 Q4_1 (10.2 → 21.7 GB/s, DRAM
        // 42 GB/s, 2 threads, Zen 5, 2026-12-02); hot weights lose nothing measurable. Longer streams take
        // a longer distance: per thread ≥ 256 KiB 8 KiB ahead, ≥ 2 MiB 16 KiB (1×4096×4096 Q4_1, one
        // thread: 4 KiB 11.2, 8 KiB 16.0, 16 KiB 19.0 GB/s; Q4_K on 2 threads 30.1 / 34.9 / 36.5 GB/s).
        let stream = weightBytes / Double(threads)
        let pf = path == 1 ? 0 : (stream >= 2 * 1048576 ? 16384 : (stream >= 262144 ? 8192 : 4096))
        return ParameterSet(["path": path, "act": act, "threads": threads, "rn": rn, "su": su, "sr": sr, "pf": pf,
                             "lanes": lanes, "mr": mr, "nr": nr, "mc": mc, "kc": kc, "nc": nc, "isa": isa])
    }

    /// The parameters the tuner may vary. Decode shapes (M ≤ 16) vary the decode parameters and keep the
    /// prefill blocks at their seed; larger M the reverse. Value lists always contain the seed's values.
    public static func searchSpace(m: Int, n: Int, k: Int, format: QuantFormat, on machine: MachineTraits,
                                   cpu: QuantCPU = .host) -> SearchSpace {
        let seed = analyticalDefault(m: m, n: n, k: k, format: format, on: machine, cpu: cpu)
        func with(_ values: [Int], _ name: String) -> [Int] { Array(Set(values + [seed[name] ?? values[0]])).sorted() }
        let decode = m <= 16
        let tiles = prefillTiles.filter { $0.lanes <= cpu.maxLanes }
        let fast = [1, 2].filter { cpu.supports(isa: $0, integer: false) }
        let isas = fast.isEmpty ? [0] : fast
        let name = family(format).rawValue
        let parameters = [
            Parameter("path", decode ? [0, 1] : (m <= 64 ? [0, 1] : [1]), help: "0: decode (stream weights once), 1: prefill (dequantized packed panels)"),
            Parameter("act", cpu.integerPath(format) ? [0, 1] : [1], help: "decode: 0 int8 activations (vpdpbusd / vpmaddubsw), 1 FP32 activations"),
            Parameter("isa", decode ? isas : with([], "isa"), help: "decode: 0 portable, 1 AVX2, 2 AVX-512"),
            Parameter("threads", Array(1...max(1, machine.cores)), help: "threads used"),
            Parameter("rn", decode ? with([16, 64, 256], "rn") : with([], "rn"), help: "decode: weight rows per task"),
            Parameter("su", decode ? QuantMatmulParams.unrolls : with([], "su"), help: "decode: weight rows per step"),
            Parameter("sr", decode ? QuantMatmulParams.rowGroups : with([], "sr"), help: "decode: activation rows per register group"),
            Parameter("pf", decode ? with([0, 2048, 4096, 8192, 16384], "pf") : with([], "pf"), help: "decode: prefetch distance in bytes (0: none)"),
            Parameter("lanes", decode ? with([], "lanes") : Array(Set(tiles.map(\.lanes))).sorted(), help: "prefill: SIMD width in floats"),
            Parameter("mr", decode ? with([], "mr") : Array(Set(tiles.map(\.mr))).sorted(), help: "prefill: register tile rows"),
            Parameter("nr", decode ? with([], "nr") : Array(Set(tiles.map(\.nr))).sorted(), help: "prefill: register tile columns"),
            Parameter("mc", decode ? with([], "mc") : with([48, 96, 192, 384], "mc"), help: "prefill: rows of x per packed block"),
            Parameter("kc", decode ? with([], "kc") : with([256, 512], "kc"), help: "prefill: K per packed block (multiple of 256)"),
            Parameter("nc", decode ? with([], "nc") : with([256, 1024, 4096], "nc"), help: "prefill: weight rows per packed block"),
        ]
        let cores = machine.cores
        let constraints = [
            Constraint("(lanes, mr, nr) is a prefill tile") { p in
                prefillTiles.contains { $0 == (p["lanes"] ?? 0, p["mr"] ?? 0, p["nr"] ?? 0) } },
            Constraint("mc is a multiple of mr") { p in (p["mc"] ?? 0) % max(1, p["mr"] ?? 1) == 0 },
            Constraint("nc is a multiple of nr") { p in (p["nc"] ?? 0) % max(1, p["nr"] ?? 1) == 0 },
            Constraint("threads ≤ cores (\(cores))") { p in (p["threads"] ?? 1) <= cores },
            Constraint("decode register shape fits the ISA's registers") { p in
                QuantMatmulParams.fits(isa: p["isa"] ?? 2, act: p["act"] ?? 1, sr: p["sr"] ?? 1, su: p["su"] ?? 1) },
            Constraint("decode: the ISA runs act (int8 needs AVX2 or AVX-512 VNNI)") { p in
                (p["path"] ?? 0) == 1 || cpu.supports(isa: p["isa"] ?? 2, integer: (p["act"] ?? 1) == 0) },
            Constraint("decode: AVX2 int8 activations only for Q4_0, Q4_1, Q5_0, Q4_K") { p in
                (p["path"] ?? 0) == 1 || (p["act"] ?? 1) == 1 || (p["isa"] ?? 2) != 1 || hasAVX2IntegerKernel(format) },
            Constraint("decode: sr ≤ M (\(m))") { p in (p["sr"] ?? 1) <= max(1, m) || (p["sr"] ?? 1) == 1 },
        ]
        return SearchSpace(kernel: name, parameters: parameters, constraints: constraints)
    }
}
