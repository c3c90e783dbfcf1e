#if arch(x86_64)
@_silgen_name("llvm.x86.sse2.pause")
private func _llvmPause()
#endif

/// Spin-wait hint (`pause` on x86, an LLVM intrinsic reached through `@_silgen_name`; checked in the
/// emitted assembly): eases the core's pipeline and its SMT sibling while polling a flag.
@inline(__always)
func spinPause() {
    #if arch(x86_64)
    _llvmPause()
    #endif
}
