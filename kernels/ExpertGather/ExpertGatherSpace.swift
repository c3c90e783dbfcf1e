/// The expert-gather search space and analytical seed, declared next to the kernel.
extension ExpertGather {
    public static func searchSpace(shape: MoEShape, on machine: MachineTraits) -> SearchSpace {
        let seed = analyticalDefault(shape: shape, on: machine)
        let cores = max(1, machine.cores), maxLanes = machine.maxSIMDLanes
        func with(_ values: [Int], _ name: String) -> [Int] { Array(Set(values + [seed[name] ?? values[0]])).sorted() }
        return SearchSpace(kernel: family, parameters: [
            Parameter("order", [0, 1], help: "0 expert-major, 1 token-major batches"),
            Parameter("chunk", with([8, 16, 32, 64, 128, 256], "chunk"), help: "rows (expert-major) or tokens (token-major) per batch"),
            Parameter("split", [0, 1], help: "threads: 0 across experts, 1 inside an expert"),
            Parameter("merge", with([1, 4, 8, 16, 32], "merge"), help: "small-expert merging threshold in rows (1 = none)"),
            Parameter("lanes", [4, 8, 16].filter { $0 <= maxLanes }, help: "SIMD width of the expert matmuls"),
            Parameter("sr", MatmulParams.skinnyRowGroups, help: "rows of x per register group in the expert matmuls"),
            Parameter("threads", Array(1...cores), help: "threads used"),
            Parameter("stage", [0, 1], help: "1: stream each expert matrix into L2 before its matmul, 0: matmul prefetch only"),
            Parameter("pn", [0, 1, 2], help: "expert matmuls: next weight tile prefetched over the row groups (0: none, 1: into L2, 2: into L1)"),
        ], constraints: [
            Constraint("lanes ≤ maxSIMDLanes (\(maxLanes))") { p in (p["lanes"] ?? 0) <= maxLanes },
            Constraint("merge ≤ chunk") { p in (p["merge"] ?? 1) <= (p["chunk"] ?? 1) },
        ])
    }

    /// Untuned default: expert-major; chunk = the smallest listed value ≥ twice the mean rows per expert
    /// (one batch, hence one weight pass, per expert in the common case); threads across experts when
    /// there are at least 4 experts per core (otherwise inside); merge 16 (tasks of ≥ 16 rows), less when
    /// that would leave fewer tasks than cores (rows / cores: a decode step's 6 rows make 2 tasks); the
    /// widest SIMD width; sr = 4 (the skinny path's 4×4-accumulator shape); stage = 1 only when one
    /// expert matrix fits in half of L2 (then the staged copy is what the matmul reads).
    /// pn = 1: an expert's batch has several row groups whenever it holds more rows than sr, and then the
    /// next weight tile streams into L2 during all of them (Matmul's seed for M > sr).
    /// Threads go inside an expert instead when experts are few (< 4 per core) or when the mean expert
    /// gets more tokens than the skinny path takes in one pass (16): then its matmuls are long enough to
    /// split N across threads, and splitting inside keeps one expert's weights streaming at a time.
    public static func analyticalDefault(shape: MoEShape, on machine: MachineTraits) -> ParameterSet {
        let cores = max(1, machine.cores)
        let mean = max(1, shape.tokens * shape.topK / max(1, shape.experts))
        let chunk = [8, 16, 32, 64, 128, 256].first { $0 >= 2 * mean } ?? 256
        let split = shape.experts >= 4 * cores && mean <= Matmul.skinnyMaxRows ? 0 : 1
        let stage = shape.hidden * shape.ffn * 4 <= machine.l2Bytes / 2 ? 1 : 0
        let lanes = [16, 8, 4].first { $0 <= machine.maxSIMDLanes } ?? 4
        // Merged tasks of ≥ merge rows, but at least one task per core: decode (T = 1, top-6) has 6 rows,
        // and merge 8 ran them all as one task on one thread.
        let merge = max(1, min(16, chunk, shape.rows / cores))
        return ParameterSet(["order": 0, "chunk": chunk, "split": split, "merge": merge, "lanes": lanes,
                             "sr": 4, "threads": cores, "stage": stage, "pn": 1])
    }
}
