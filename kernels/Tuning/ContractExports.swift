// The kernel-family contract (family ids, typed shapes, parameter sets and their bounds, machine traits,
// kernel errors) is part of the kernel library's public API: everything that imports Kernels sees it.
@_exported import KernelContract
