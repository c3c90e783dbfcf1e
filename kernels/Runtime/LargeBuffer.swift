#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Allocation of large operand buffers the way the inference core allocates its weights (Inference's
/// `FloatBuffer`): 2 MiB-aligned and advised as transparent huge pages from 2 MiB up, page-aligned below.
/// Bandwidth-bound kernels stream tens of MiB per call; with 4 KiB pages every 1,024 floats cost a TLB
/// miss, so benchmark operands on small pages would measure a slower kernel than the one the model runs.
enum LargeBuffer {
    static let hugePage = 2 << 20

    /// `count` uninitialized floats (at least one page); free with `free`. Nil when the OS refuses.
    static func floats(_ count: Int) -> UnsafeMutablePointer<Float>? {
        let bytes = max(4096, count.multipliedReportingOverflow(by: 4).partialValue)
        let huge = bytes >= hugePage
        let alignment = huge ? hugePage : 4096
        let rounded = (bytes + alignment - 1) / alignment * alignment
        var p: UnsafeMutableRawPointer? = nil
        guard posix_memalign(&p, alignment, rounded) == 0, let p else { return nil }
        #if os(Linux)
        if huge { _ = madvise(p, rounded, MADV_HUGEPAGE) }   // advice only: THP off leaves small pages
        #endif
        return p.bindMemory(to: Float.self, capacity: max(1, count))
    }
}
