import KernelContract

extension MachineTraits {
    /// The kernel-facing view of a probed machine. Unknown caches fall back to
    /// `MachineTraits.fallback`'s conservative values; use `derived(from:)` to learn which.
    public init(machine: Machine) {
        self = Self.derived(from: machine).traits
    }

    /// Traits for `machine`, with one warning per value that had to be assumed.
    public static func derived(from machine: Machine) -> (traits: MachineTraits, warnings: [String]) {
        var warnings: [String] = []
        let lanes = machine.maxSIMDLanes ?? {
            warnings.append("ISA unknown: assuming 4 Float lanes (SSE/NEON)")
            return 4
        }()
        var t = MachineTraits.fallback(cores: machine.schedulableCores, maxSIMDLanes: lanes)
        func geometry(_ c: CacheInfo?, _ name: String, size: inout Int, ways: inout Int) {
            guard let c, let bytes = c.sizeBytes, bytes > 0 else {
                warnings.append("\(name) size unknown: assuming \(size >> 10) KiB")
                return
            }
            size = bytes
            if let w = c.ways, w > 0 {
                ways = w
            } else if let w = c.ways, w == -1, let line = c.lineBytes, line > 0 {
                ways = bytes / line  // fully associative: every line is a way
            } else {
                warnings.append("\(name) associativity unknown: assuming \(ways)-way")
            }
        }
        geometry(machine.cache(level: 1, kind: .data), "L1d", size: &t.l1dBytes, ways: &t.l1dWays)
        geometry(machine.cache(level: 2, kind: .unified), "L2", size: &t.l2Bytes, ways: &t.l2Ways)
        geometry(machine.cache(level: 3, kind: .unified), "L3", size: &t.l3Bytes, ways: &t.l3Ways)
        if let line = machine.cache(level: 1, kind: .data)?.lineBytes, line > 0 { t.lineBytes = line }
        (t.fmaLatency, t.fmaPipes) = fmaTiming(machine)
        if machine.isHybrid {
            t.coreKinds = machine.coreKinds.map { CoreKindSlot(name: $0.name, efficiency: $0.efficiency, cores: $0.coreIndexes) }
        }
        return (t, warnings)
    }

    /// FMA latency (cycles) and FMA pipes per core: the `L_fma` and `N_fma` of the BLIS analytical model
    /// (Low et al., TOMS 2016). Sources: Agner Fog, "Instruction tables" (2022) and "The microarchitecture of
    /// Intel, AMD and VIA CPUs"; AMD Software Optimization Guide for the Zen 4 (pub. 57647) and Zen 5
    /// (pub. 58455) microarchitectures: two FMA pipes (FP0/FP1), latency 4. Zen 4 runs 512-bit FMAs on its two
    /// 256-bit pipes (double-pumped), so 2 over-provisions accumulators there, which costs nothing.
    /// Intel Skylake-SP and later server cores with AVX-512: two 512-bit FMA units (port 0+1 fused, port 5),
    /// latency 4 (some Xeon Bronze/Silver parts have one; cpuinfo cannot tell, the tuner measures anyway).
    /// Haswell/Broadwell and AMD Zen 1–3: latency 5, two pipes. Anything else: the model's usual 4 × 2.
    static func fmaTiming(_ machine: Machine) -> (latency: Int, pipes: Int) {
        let vendor = machine.cpu.vendor ?? ""
        let family = machine.cpu.family ?? 0
        let avx512 = machine.isa.contains("avx512f")
        switch vendor {
        case "AuthenticAMD" where avx512 && family >= 0x19: return (4, 2)    // Zen 4 (19h), Zen 5 (1Ah)
        case "AuthenticAMD" where family == 0x17 || family == 0x19: return (5, 2)  // Zen 1/2 (17h), Zen 3 (19h)
        case "GenuineIntel" where avx512: return (4, 2)
        case "GenuineIntel" where machine.isa.contains("avx2") && !machine.isa.contains("avx512f"):
            // Haswell/Broadwell: 5; Skylake client and later: 4. The model number would tell; 4 is the
            // common case today and the tuner measures the neighbourhood either way.
            return (4, 2)
        default: return (4, 2)
        }
    }
}
