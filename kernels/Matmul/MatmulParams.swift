/// The typed view of a matmul `ParameterSet`: every value present and structurally sound.
///
/// Blocked (GotoBLAS) path: `lanes` SIMD width; `mr`×`nr` register tile (a registered micro-kernel);
/// `mc`, `kc`, `nc` cache blocks; `threads`; `split` = which loop the threads divide (0: the N/jc loop,
/// 1: the M/ic loop, 2: the N loop in dynamically claimed chunks, for hybrid machines). Skinny path (`path` = 1, for M ≤ 16 decode shapes): `sn` output columns per task,
/// `su` weight rows streamed together, `sr` rows of A per register group, `sk` K chunk (0: all of K),
/// `pf` software-prefetch distance in bytes ahead in each streamed weight row (`.nk`; 0: none).
public struct MatmulParams: Hashable, Sendable, CustomStringConvertible {
    public var lanes: Int, mr: Int, nr: Int
    public var mc: Int, kc: Int, nc: Int
    public var threads: Int, split: Int
    public var path: Int
    public var sn: Int, su: Int, sr: Int, sk: Int, pf: Int
    /// Skinny path with several row groups (M > sr): 0 no next-tile prefetch (only `pf` in the first
    /// group), 1 the next su×sk weight tile prefetched into L2 while the groups compute, 2 into L1.
    /// Absent in a parameter set: 0 (entries written before it existed keep their meaning).
    public var pn: Int

    /// Parameter names, in the order the search space declares them.
    public static let names = ["path", "lanes", "mr", "nr", "mc", "kc", "nc", "threads", "split", "sn", "su", "sr", "sk", "pf", "pn"]
    /// Allowed weight-rows-per-step and A-rows-per-group of the skinny path (compile-time variants).
    /// (su = 8 pairs with sr ≤ 2: eight weight rows per step, see `Matmul.analyticalDefault`; larger
    /// sr·su run the 8×4 shape.)
    public static let skinnyUnrolls = [1, 2, 4, 8]
    public static let skinnyRowGroups = [1, 2, 4, 8]
    /// Upper bound of the prefetch distance (bytes): beyond a few KiB the lines are evicted before use.
    public static let maxPrefetchBytes = 16384

    /// Reads and checks `p`: throws `missingParameter` for an absent name and `invalidParameters` listing
    /// every structural violation (mc not a multiple of mr, unregistered tile, ...).
    public init(_ p: ParameterSet) throws(KernelError) {
        let k = Matmul.family
        path = try p.require("path", kernel: k)
        lanes = try p.require("lanes", kernel: k)
        mr = try p.require("mr", kernel: k); nr = try p.require("nr", kernel: k)
        mc = try p.require("mc", kernel: k); kc = try p.require("kc", kernel: k); nc = try p.require("nc", kernel: k)
        threads = try p.require("threads", kernel: k); split = try p.require("split", kernel: k)
        sn = try p.require("sn", kernel: k); su = try p.require("su", kernel: k); sr = try p.require("sr", kernel: k)
        sk = try p.require("sk", kernel: k)
        pf = try p.require("pf", kernel: k)
        pn = p["pn"] ?? 0
        let v = MatmulContract.violations(of: p) + violations
        if !v.isEmpty { throw .invalidParameters(kernel: k, params: p.description, violations: v) }
    }

    /// The structural rules (independent of shape and machine).
    public var violations: [String] {
        var v: [String] = []
        if ![0, 1].contains(path) { v.append("path must be 0 (blocked) or 1 (skinny), got \(path)") }
        if ![4, 8, 16].contains(lanes) { v.append("lanes must be 4, 8 or 16, got \(lanes)") }
        if mr < 1 || nr < 1 || mc < 1 || kc < 1 || nc < 1 { v.append("mr, nr, mc, kc, nc must be positive") }
        if mr >= 1, mc % mr != 0 { v.append("mc is a multiple of mr") }
        if nr >= 1, nc % nr != 0 { v.append("nc is a multiple of nr") }
        if path == 0, MicroKernelRegistry.kernel(lanes: lanes, mr: mr, nr: nr) == nil {
            v.append("no registered micro-kernel for lanes=\(lanes) mr=\(mr) nr=\(nr); registered: "
                     + MicroKernelRegistry.all.map(\.id).joined(separator: ", "))
        }
        if threads < 1 { v.append("threads must be at least 1, got \(threads)") }
        if ![0, 1, 2].contains(split) {
            v.append("split must be 0 (N loop), 1 (M loop) or 2 (N loop, dynamic chunks), got \(split)")
        }
        if sk < 0 { v.append("sk must be 0 (all of K) or positive, got \(sk)") }
        if pf < 0 || pf > Self.maxPrefetchBytes || pf % 64 != 0 {
            v.append("pf must be a multiple of 64 in 0...\(Self.maxPrefetchBytes) (bytes ahead), got \(pf)")
        }
        if ![0, 1, 2].contains(pn) { v.append("pn must be 0 (none), 1 (next tile into L2) or 2 (into L1), got \(pn)") }
        if sn < 1 { v.append("sn must be positive, got \(sn)") }
        if !Self.skinnyUnrolls.contains(su) { v.append("su must be one of \(Self.skinnyUnrolls), got \(su)") }
        if !Self.skinnyRowGroups.contains(sr) { v.append("sr must be one of \(Self.skinnyRowGroups), got \(sr)") }
        return v
    }

    /// Back to the generic form (what configs and journals store).
    public var parameterSet: ParameterSet {
        ParameterSet(["path": path, "lanes": lanes, "mr": mr, "nr": nr, "mc": mc, "kc": kc, "nc": nc,
                      "threads": threads, "split": split, "sn": sn, "su": su, "sr": sr, "sk": sk, "pf": pf, "pn": pn])
    }

    public var description: String { parameterSet.description }
}
