/// The typed view of a quantized-matmul `ParameterSet`: every value present and structurally sound.
///
/// - `path`: 0 decode (weights streamed once per call, all M rows against each piece; M ≤ 64),
///   1 prefill (blocked GotoBLAS with weights dequantized into the packed panels).
/// - `act` (decode): 0 int8 activations and integer dot products (`vpdpbusd`), 1 FP32 activations with
///   the weights dequantized in registers.
/// - `threads`; `rn` weight rows (outputs) per task; `su` weight rows per step (1, 2, 4); `sr`
///   activation rows per register group (1, 2, 4); `pf` prefetch distance in bytes ahead of each weight
///   row's current chunk (0: none); `isa` the decode kernels' instruction set: 2 AVX-512 (BW, VL; VNNI
///   for `act` 0), 1 AVX2 (+FMA, F16C; `vpmaddubsw`/`vpmaddwd` for `act` 0), 0 portable (FP32 only).
///   Absent from a parameter set (entries tuned before it existed): the best the CPU has.
/// - Prefill: `lanes`, `mr`, `nr` (a tile of `QuantMatmul.prefillTiles`), `mc`, `kc` (a multiple of 256),
///   `nc` cache blocks.
public struct QuantMatmulParams: Hashable, Sendable, CustomStringConvertible {
    public var path: Int, act: Int, threads: Int
    public var rn: Int, su: Int, sr: Int, pf: Int
    /// Decode kernels' instruction set (see the type's notes): `QuantMatmulParams.isaNames`.
    public var isa: Int
    public var lanes: Int, mr: Int, nr: Int, mc: Int, kc: Int, nc: Int

    public static let names = ["path", "act", "threads", "rn", "su", "sr", "pf", "lanes", "mr", "nr", "mc", "kc", "nc", "isa"]
    /// The `isa` values: 0 portable, 1 AVX2, 2 AVX-512.
    public static let isaNames = ["portable", "avx2", "avx512"]
    public static let unrolls = [1, 2, 4]
    public static let rowGroups = [1, 2, 4]

    public init(path: Int, act: Int, threads: Int, rn: Int, su: Int, sr: Int, pf: Int,
                lanes: Int, mr: Int, nr: Int, mc: Int, kc: Int, nc: Int,
                isa: Int = QuantCPU.host.bestISA) throws(KernelError) {
        self.isa = isa
        self.path = path; self.act = act; self.threads = threads; self.rn = rn; self.su = su; self.sr = sr
        self.pf = pf; self.lanes = lanes; self.mr = mr; self.nr = nr; self.mc = mc; self.kc = kc; self.nc = nc
        let v = violations
        if !v.isEmpty { throw .invalidParameters(kernel: QuantMatmul.familyPrefix, params: description, violations: v) }
    }

    /// Reads and checks `p` (throws `missingParameter` or `invalidParameters` listing every violation).
    public init(_ p: ParameterSet) throws(KernelError) {
        let k = QuantMatmul.familyPrefix
        try self.init(path: p.require("path", kernel: k), act: p.require("act", kernel: k),
                      threads: p.require("threads", kernel: k), rn: p.require("rn", kernel: k),
                      su: p.require("su", kernel: k), sr: p.require("sr", kernel: k), pf: p.require("pf", kernel: k),
                      lanes: p.require("lanes", kernel: k), mr: p.require("mr", kernel: k), nr: p.require("nr", kernel: k),
                      mc: p.require("mc", kernel: k), kc: p.require("kc", kernel: k), nc: p.require("nc", kernel: k),
                      isa: p["isa"] ?? QuantCPU.host.bestISA)
    }

    /// The structural rules (independent of shape and machine).
    public var violations: [String] {
        var v = QuantMatmulRules.parameters.violations(of: parameterSet)
        if ![0, 1].contains(path) { v.append("path must be 0 (decode) or 1 (prefill), got \(path)") }
        if ![0, 1].contains(act) { v.append("act must be 0 (int8 activations) or 1 (FP32 activations), got \(act)") }
        if !(0...2).contains(isa) { v.append("isa must be 0 (portable), 1 (AVX2) or 2 (AVX-512), got \(isa)") }
        if path == 0 && act == 0 && isa == 0 { v.append("act=0 (int8 activations) needs isa 1 (AVX2) or 2 (AVX-512); the portable kernel takes act=1") }
        if path == 0 && !Self.fits(isa: isa, act: act, sr: sr, su: su) {
            v.append("the decode tile sr×su = \(sr)×\(su) does not fit the registers of isa \(isa) with act \(act)")
        }
        if threads < 1 { v.append("threads must be at least 1, got \(threads)") }
        if rn < 1 { v.append("rn must be positive, got \(rn)") }
        if !Self.unrolls.contains(su) { v.append("su must be one of \(Self.unrolls), got \(su)") }
        if !Self.rowGroups.contains(sr) { v.append("sr must be one of \(Self.rowGroups), got \(sr)") }
        if pf < 0 || pf > 1 << 16 { v.append("pf must be in 0...65536 bytes, got \(pf)") }
        if !QuantMatmul.prefillTiles.contains(where: { $0 == (lanes, mr, nr) }) {
            v.append("(lanes, mr, nr) = (\(lanes), \(mr), \(nr)) is not a prefill tile; tiles: "
                     + QuantMatmul.prefillTiles.map { "\($0.lanes)/\($0.mr)x\($0.nr)" }.joined(separator: ", "))
        }
        if mc < 1 || kc < 1 || nc < 1 { v.append("mc, kc, nc must be positive") }
        if kc >= 1, kc % 256 != 0 { v.append("kc must be a multiple of 256 (a K-quant super-block), got \(kc)") }
        if mr >= 1, mc % mr != 0 { v.append("mc must be a multiple of mr") }
        if nr >= 1, nc % nr != 0 { v.append("nc must be a multiple of nr") }
        return v
    }

    public var parameterSet: ParameterSet {
        ParameterSet(["path": path, "act": act, "threads": threads, "rn": rn, "su": su, "sr": sr, "pf": pf,
                      "lanes": lanes, "mr": mr, "nr": nr, "mc": mc, "kc": kc, "nc": nc, "isa": isa])
    }

    public var description: String { parameterSet.description }

    /// Whether the decode tile sr×su exists for (isa, act): the int8 block kernels keep 2 registers per
    /// (activation row, weight row) — AVX-512 (32 zmm) takes sr·su ≤ 8, AVX2 (16 ymm) sr·su ≤ 4; the
    /// FP32 tiles (AVX-512) R·U accumulators + 4·U dequantized vectors + 4 loads; the portable kernel
    /// has no tile (any sr, su).
    public static func fits(isa: Int, act: Int, sr: Int, su: Int) -> Bool {
        switch (isa, act) {
        case (2, 0): return sr * su <= 8
        case (1, 0): return sr * su <= 4
        case (2, _): return 4 * su + sr * su + 4 <= 32
        default: return true
        }
    }
}
