import Foundation
import Models

/// Time of one kernel on one GPU, split into what each resource needs, with the bound that applied,
/// the efficiency reached and where the law came from.
public struct KernelTime: Sendable, Equatable {
    /// Seconds the math needs at the law's efficiency (0 for pure data movement).
    public var compute: Double = 0
    /// Seconds the HBM traffic needs.
    public var memory: Double = 0
    /// Seconds the link traffic needs (all-to-all, all-reduce, pipeline send).
    public var network: Double = 0
    /// Fixed time: launch, ramp, synchronisation, link latency.
    public var fixed: Double = 0
    /// max(compute, memory, network) + fixed.
    public var total: Double = 0
    /// "compute", "memory", "network", "nvlink", "latency" or "none".
    public var bound: String = "none"
    /// Achieved fraction of the binding resource's nominal peak (dense dtype peak, HBM, link line rate).
    public var efficiency: Double = 0
    /// The calibration the law comes from ("DeepGEMM fit", "FlashMLA", "DeepEP low-latency fit", ...).
    public var source: String = ""

    static let zero = KernelTime()
}

/// The calibrated kernel laws of `Calibration`, applied to one GPU (its SMs, peaks, clock, HBM and links,
/// with its efficiency fractions scaling the laws against the calibration's reference fractions).
public struct KernelModel: Sendable {
    public let gpu: GPUProfile
    public let calibration: Calibration
    let gemmScale: Double, hbmScale: Double, nvlinkScale: Double, networkScale: Double
    /// The target is not the calibration's architecture: the laws are extrapolated.
    public var extrapolated: Bool { gpu.architecture != calibration.architecture }

    public init(gpu: GPUProfile, calibration: Calibration) {
        self.gpu = gpu
        self.calibration = calibration
        let r = calibration.reference
        gemmScale = gpu.efficiency.gemm / r.gemm
        hbmScale = gpu.efficiency.hbm / r.hbm
        nvlinkScale = gpu.efficiency.nvlink / r.nvlink
        networkScale = gpu.efficiency.network / r.network
    }

    /// HBM bytes/s nominal.
    var hbm: Double { gpu.hbmTBps * 1e12 }
    /// NVLink bytes/s per direction nominal (PCIe per direction for GPUs without NVLink).
    var nvlinkPerDirection: Double { (gpu.nvlinkGBps > 0 ? gpu.nvlinkGBps : gpu.pcieGBps) / 2 * 1e9 }
    /// NIC bytes/s per direction nominal.
    var nic: Double { gpu.nicGbpsPerGPU / 8 * 1e9 }

    // MARK: GEMM

    /// The DeepGEMM tile choice for an m × n GEMM over `groups` groups on `sms` SMs: fewest waves, then the
    /// fullest last wave, then the narrower block (DeepGEMM's `get_best_configs` at a6d97a1). blockM is 64
    /// for M ≤ 64 (below 64 tokens, swap-AB: padded to `minBlockM` only), else 128.
    func tiling(m: Double, n: Double, groups: Double, sms: Double) -> (blockM: Double, blockN: Double, waves: Double) {
        let g = calibration.gemm
        let small = Double(g.smallBlockMMaxM), pad = Double(g.minBlockM)
        let blockM: Double = m <= small ? min(small, max(pad, (m / pad).rounded(.up) * pad)) : 128
        var best: (bn: Double, waves: Double, last: Double)?
        var bn = g.blockNMin
        while bn <= g.blockNMax {
            let tiles = (m / blockM).rounded(.up) * (n / Double(bn)).rounded(.up) * groups
            let waves = (tiles / sms).rounded(.up)
            var last = tiles - (waves - 1) * sms
            if last <= 0 { last = sms }
            if let b = best {
                if waves < b.waves || (waves == b.waves && last > b.last) { best = (Double(bn), waves, last) }
            } else {
                best = (Double(bn), waves, last)
            }
            bn += g.blockNStep
        }
        let b = best ?? (Double(g.blockNMax), 1, sms)
        return (blockM, b.bn, b.waves)
    }

    /// A GEMM (or `groups` equal GEMMs, as a grouped kernel) C[m×n] = A[m×k]·B[k×n] in `dtype` (A and C
    /// elements of `inputBytes` and `outputBytes`: FP8 GEMMs read quantized FP8 A, write BF16 C), with the
    /// SMs left after `reservedSMs` are taken by communication. `fixed`: false for a GEMM fused into the
    /// previous kernel (no launch of its own).
    func gemm(m: Double, n: Double, k: Double, groups: Double = 1, dtype: String, weightBytes: Double,
              inputBytes: Double, outputBytes: Double, reservedSMs: Int = 0, fixed: Bool = true) throws(SimulatorError) -> KernelTime {
        guard m > 0, n > 0, k > 0, groups > 0 else { return .zero }
        guard let nominal = gpu.peakFLOPS(dtype), nominal > 0 else { throw .unsupportedDtype(gpu: gpu.id, dtype: dtype) }
        let g = calibration.gemm
        let sms = Double(max(1, gpu.sms - reservedSMs))
        let perSM = nominal * gpu.efficiency.clock * g.maxEfficiency * gemmScale / Double(gpu.sms)
        let t = tiling(m: m, n: n, groups: groups, sms: sms)
        let blocks = max(k / Double(g.kBlock), 1)
        var time = KernelTime(source: "DeepGEMM fit")
        time.compute = t.waves * 2 * t.blockM * t.blockN * k / perSM * (blocks + g.pipelineBlocks) / blocks
        let bytes = groups * (n * k * weightBytes + m * k * inputBytes + m * n * outputBytes)
        time.memory = bytes / (hbm * g.memoryEfficiency * hbmScale)
        time.fixed = fixed ? g.fixedUs * 1e-6 : 0
        let flops = 2 * m * n * k * groups
        finish(&time, flops: flops, peak: nominal, bytes: bytes)
        return time
    }

    /// Sets total, bound and efficiency from the parts.
    func finish(_ t: inout KernelTime, flops: Double, peak: Double, bytes: Double) {
        let work = max(t.compute, t.memory, t.network)
        t.total = work + t.fixed
        guard t.total > 0 else { t.bound = "none"; return }
        if t.fixed > work {
            t.bound = "latency"
        } else if t.compute >= t.memory && t.compute >= t.network {
            t.bound = "compute"
        } else if t.memory >= t.network {
            t.bound = "memory"
        } else {
            t.bound = "network"
        }
        switch t.bound {
        case "memory": t.efficiency = bytes / (t.total * hbm)
        default: t.efficiency = peak > 0 ? flops / (t.total * peak) : bytes / (t.total * hbm)
        }
    }

    // MARK: Attention and elementwise

    /// Attention core (FlashMLA / FlashAttention class) in BF16: compute at the profile's attention
    /// fraction of the clock-throttled peak, KV streaming at its HBM fraction. `paddedFLOPs` ≥ `flops`
    /// when query heads are padded to the kernel's head block.
    func attention(flops: Double, paddedFLOPs: Double, bytes: Double, reservedSMs: Int = 0) throws(SimulatorError) -> KernelTime {
        guard flops > 0 || bytes > 0 else { return .zero }
        guard let nominal = gpu.peakFLOPS("bf16"), nominal > 0 else { throw .unsupportedDtype(gpu: gpu.id, dtype: "bf16") }
        let smShare = Double(max(1, gpu.sms - reservedSMs)) / Double(max(1, gpu.sms))
        var t = KernelTime(source: "FlashMLA")
        t.compute = paddedFLOPs / (nominal * gpu.efficiency.clock * gpu.efficiency.attention * smShare)
        t.memory = bytes / (hbm * gpu.efficiency.hbm)
        t.fixed = calibration.attention.fixedUs * 1e-6
        finish(&t, flops: flops, peak: nominal, bytes: bytes)
        return t
    }

    /// A memory-bound kernel (norm, embedding lookup, RoPE, quantization, adds).
    func elementwise(bytes: Double, kernels: Double = 1) -> KernelTime {
        guard bytes > 0 || kernels > 0 else { return .zero }
        var t = KernelTime(source: "HBM (FlashMLA 3000 GB/s)")
        t.memory = bytes / (hbm * gpu.efficiency.hbm)
        t.fixed = calibration.elementwise.fixedUs * 1e-6 * kernels
        finish(&t, flops: 0, peak: 0, bytes: bytes)
        return t
    }
}
