// x86 SIMD intrinsics for the quantized matmul kernels (vpdpbusd, masked byte moves, conversions).
// Imported by Swift only under `#if arch(x86_64)`; the kernels that call them run only after a check
// of the CPU's features (QuantCPU.host), with a portable path beside them.
#if defined(__x86_64__)
#include <immintrin.h>

#endif
