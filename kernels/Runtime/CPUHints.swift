// LLVM intrinsics reached through `@_silgen_name`: Swift has no prefetch or pause, and these lower to
// the single instructions below (checked in the emitted assembly: `prefetcht0`, `pause`).

@_silgen_name("llvm.prefetch.p0")
private func _llvmPrefetch(_ address: UnsafeRawPointer, _ write: Int32, _ locality: Int32, _ cacheType: Int32)

#if arch(x86_64)
@_silgen_name("llvm.x86.sse2.pause")
private func _llvmPause()
#endif

/// Hints the CPU to bring the line holding `address` into L1 (`prefetcht0`). Unlike a load it retires
/// at once, so it hides memory latency without stalling the pipeline; it never faults.
@inline(__always)
func prefetch(_ address: UnsafeRawPointer) {
    _llvmPrefetch(address, 0, 3, 1)
}

/// Hints the CPU to bring the line holding `address` into L2 (`prefetcht1`): for data needed after more
/// than an L1's worth of other loads (the next weight tile of a skinny matmul). Never faults.
@inline(__always)
func prefetchL2(_ address: UnsafeRawPointer) {
    _llvmPrefetch(address, 0, 2, 1)
}

/// Spin-wait hint (`pause` on x86): eases the core's pipeline and its sibling while polling a flag.
@inline(__always)
func spinPause() {
    #if arch(x86_64)
    _llvmPause()
    #endif
}
