// An LLVM intrinsic reached through `@_silgen_name`: Swift has no prefetch, and this lowers to the single
// instruction below (checked in the emitted assembly: `prefetcht0`). The spin-wait `pause` lives with the
// pinned-thread runtime (ThreadRuntime).

@_silgen_name("llvm.prefetch.p0")
private func _llvmPrefetch(_ address: UnsafeRawPointer, _ write: Int32, _ locality: Int32, _ cacheType: Int32)

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
