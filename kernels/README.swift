// # kernels/ — the Kernels target
// 
// Three trees, as in BLIS: the **algorithm** (blocking, packing, threading), the **micro-kernels**, and the
// **search spaces** (machine data stays in `MachineTraits`, supplied by the caller).
// 
// | Folder | What |
// |---|---|
// | `Runtime/` | `WorkerPool` (`parallelFor` on ThreadRuntime's `ThreadTeam`: persistent hwloc-pinned threads, shared with the probe), `ScratchArena` (reused page-aligned packing memory), `HostCPU` (SIMD width from /proc/cpuinfo), `MachineTraits.host()` (hwloc caches), `prefetch` (LLVM intrinsic) |
// | `Tuning/` | The tuning contract: `ParameterSet`, `SearchSpace`, `Constraint`, `TunableKernel`, `Verification`, `KernelError` |
// | `Matmul/` | `Matmul.run` (entry, validation), `BlockedMatmul` (GotoBLAS loops, split 0 = N, split 1 = shared B̃/M), `PanelPacking` + `Transpose8x8`, `RegisterTile<V, MR, NV>` (the micro-kernel), `MicroKernelRegistry` (one line per tile), `SkinnyMatmul` (M ≤ 16, streams B once), `MatmulSpace` (search space + BLIS analytical default), `MatmulInstance` (`TunableKernel`) |
// | `Quantized/` | `QuantMatmul.run` (y = x·Wᵀ on GGUF blocks, fused outputs; API note at the top of `QuantMatmul.swift`), `QuantFormat` + `QuantReference` (block layouts, plain dequantizers bit-exact with gguf-py), `QuantizedMatrix` (typed validation), `QuantChunks` (per-format AVX-512 unpack of 64 values), `QuantActivations` (int8 per 32), `QuantDecodeTiles.generated.swift` (decode register tiles, `scripts/gen-quant-tiles.py`), `QuantPrefill` (blocked FP32 GEMM on dequantized panels), `QuantMatmulSpace`, `QuantMatmulInstance` (families `matmul.<format>`) |
// | `Registry/` | `KernelRegistry`: one `KernelFamily` line per family, used by `ktune bench` and the tuner |
// 
// Adding a register tile or SIMD width: one `MicroKernel(RegisterTile<SIMD16<Float>, 8, 2>.self)` line in
// `MicroKernelRegistry.all` (id `matmul.f32.simd16.8x32`); the driver is specialized for it at compile time,
// the search space offers it, and `MatmulTests` verifies every registered entry against the reference.
// 
// Adding a kernel family: a `TunableKernel` class and one `KernelFamily(name:shapeGrammar:make:)` line in
// `KernelRegistry.all`; `ktune bench <family> --shape ...` then works.
