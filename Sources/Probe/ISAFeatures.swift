/// Maps the OS's CPU flag names (/proc/cpuinfo `flags` on x86, `Features` on arm64) to the canonical ISA names
/// ktune's kernels care about. Flags outside this table are ignored: they do not change which kernels run.
public enum ISAFeatures {
    /// cpuinfo flag → canonical name. AMX is reported as "amx" (tiles) plus its data types.
    public static let table: [(flag: String, name: String)] = [
        ("sse4_2", "sse4.2"), ("avx", "avx"), ("avx2", "avx2"), ("fma", "fma"), ("f16c", "f16c"),
        ("avx_vnni", "avx_vnni"),
        ("avx512f", "avx512f"), ("avx512dq", "avx512dq"), ("avx512bw", "avx512bw"), ("avx512vl", "avx512vl"),
        ("avx512_vnni", "avx512_vnni"), ("avx512_bf16", "avx512_bf16"), ("avx512_fp16", "avx512_fp16"),
        ("amx_tile", "amx"), ("amx_bf16", "amx_bf16"), ("amx_int8", "amx_int8"),
        // arm64 (Linux hwcaps as /proc/cpuinfo spells them)
        ("asimd", "neon"), ("asimdhp", "neon_fp16"), ("asimddp", "neon_dotprod"), ("i8mm", "i8mm"),
        ("bf16", "bf16"), ("sve", "sve"), ("sve2", "sve2"), ("sme", "sme"),
    ]

    /// Canonical, sorted, de-duplicated feature names present in `flags`.
    public static func canonical(fromFlags flags: some Sequence<Substring>) -> [String] {
        let present = Set(flags.map(String.init))
        return Array(Set(table.filter { present.contains($0.flag) }.map(\.name))).sorted()
    }
}
