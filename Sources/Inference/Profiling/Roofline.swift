/// This machine's measured limits (from `ktune probe`'s microbenchmarks) and the bound that applies to
/// an op: the larger of its time at the compute peak and its time at the bandwidth of the memory level
/// its data streams from.
public struct Roofline: Sendable, Equatable {
    /// FMA peak at the widest SIMD width, GFLOP/s, for the thread count profiled.
    public var peakGflops: Double
    /// Read bandwidth per level ("l1", "l2", "l3", "dram"), GB/s, for the thread count profiled.
    public var bandwidthGBps: [String: Double]
    /// Capacity per level in bytes (L1d and L2 per core × threads, L3 total); a level without a size is skipped.
    public var capacityBytes: [String: Double]

    public init(peakGflops: Double, bandwidthGBps: [String: Double], capacityBytes: [String: Double]) {
        self.peakGflops = peakGflops; self.bandwidthGBps = bandwidthGBps; self.capacityBytes = capacityBytes
    }

    public static let levels = ["l1", "l2", "l3", "dram"]

    /// The innermost level that holds `footprint` bytes (and has a measured bandwidth), else "dram".
    public func level(footprint: Double) -> String {
        for name in Self.levels.dropLast() {
            if let cap = capacityBytes[name], footprint <= cap, bandwidthGBps[name] != nil { return name }
        }
        return "dram"
    }

    /// The limit for `flops` and `bytes` streamed from the level holding `footprint`: the bound
    /// ("compute" or a level), the limiting rate (GFLOP/s for compute, GB/s for a level) and the time
    /// it implies (seconds). nil when the needed figure was not measured.
    public func bound(flops: Double, bytes: Double, footprint: Double) -> (bound: String, limit: Double, seconds: Double)? {
        let lvl = level(footprint: footprint)
        let bw = bandwidthGBps[lvl] ?? bandwidthGBps["dram"]
        let tCompute = peakGflops > 0 ? flops / (peakGflops * 1e9) : nil
        let tMemory = bw.flatMap { $0 > 0 ? bytes / ($0 * 1e9) : nil }
        switch (tCompute, tMemory) {
        case let (c?, m?): return c >= m ? ("compute", peakGflops, c) : (lvl, bw ?? 0, m)
        case let (c?, nil): return ("compute", peakGflops, c)
        case let (nil, m?): return (lvl, bw ?? 0, m)
        default: return nil
        }
    }
}
