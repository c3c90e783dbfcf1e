import Synchronization

/// One expert batch: `count` consecutive rows of the expert-sorted buffers, starting at `start`.
struct ExpertBatch {
    var expert: Int32, start: Int32, count: Int32
}

/// The execution of one expert-gather call: route (counting sort), gather, expert FFNs, combine.
///
/// Scratch (one arena block per call, no allocation afterwards): the routing tables, the gathered rows X
/// and expert outputs Y (both `[T·topK × hidden]`, expert-sorted), the batch list, and per worker slot
/// the gate and up activations of one batch (`[chunk × ffn]` each).
enum MoELayer {
    static func run(_ p: MoEProblem, _ params: ExpertGatherParams, _ pool: WorkerPool) throws(KernelError) {
        let s = p.shape
        let rows = s.rows, h = s.hidden, f = s.ffn, e = s.experts
        let threads = max(1, min(params.threads, pool.threadCount))
        let chunk = min(params.chunk, rows)
        // Byte layout of the scratch block, every region 64-byte aligned.
        var layout = ScratchLayout()
        let rowToken = layout.add(Int32.self, rows)
        let rowWeight = layout.add(Float.self, rows)
        let position = layout.add(Int32.self, rows)
        let offsets = layout.add(Int32.self, e + 1)
        let cursor = layout.add(Int32.self, e)
        let batches = layout.add(ExpertBatch.self, rows + e)
        let groups = layout.add(Int32.self, rows + e + 1)
        let gathered = layout.add(Float.self, rows * h)
        let outputs = layout.add(Float.self, rows * h)
        let slotFloats = (2 * chunk * f + 1).roundedUp(toMultipleOf: 16)   // gate, up, and a prefetch sink
        let slotBase = layout.add(Float.self, threads * slotFloats)
        let single = try params.matmulParams(threads: 1, shape: s)
        let inside = try params.matmulParams(threads: threads, shape: s)
        let failed = Atomic<Bool>(false)

        pool.scratch.withScratch(bytes: layout.bytes) { raw in
            let tok = layout.pointer(rowToken, raw, Int32.self), wgt = layout.pointer(rowWeight, raw, Float.self)
            let pos = layout.pointer(position, raw, Int32.self), off = layout.pointer(offsets, raw, Int32.self)
            let cur = layout.pointer(cursor, raw, Int32.self), list = layout.pointer(batches, raw, ExpertBatch.self)
            let grp = layout.pointer(groups, raw, Int32.self)
            let xs = layout.pointer(gathered, raw, Float.self), ys = layout.pointer(outputs, raw, Float.self)
            let slots = layout.pointer(slotBase, raw, Float.self)

            route(p, tokens: tok, weights: wgt, positions: pos, offsets: off, cursor: cur)
            gather(p, tokens: UnsafePointer(tok), into: xs, pool: pool, threads: threads)
            let count = makeBatches(p, order: params.order, chunk: chunk, tokens: UnsafePointer(tok),
                                    offsets: UnsafePointer(off), cursor: cur, into: list)

            /// The three expert matmuls and the SwiGLU of one batch, on a slot's activation buffers.
            func ffn(_ b: ExpertBatch, slot: Int, params mp: MatmulParams) {
                let ex = Int(b.expert), start = Int(b.start), n = Int(b.count)
                let g = slots + slot * slotFloats, u = g + chunk * f
                // Stream each weight matrix into L2 just before its matmul (see `SwiGLU.prefetch`); the
                // sums land in the slot's sink float so the loads are kept.
                let sink = g + 2 * chunk * f
                let stage = params.stage == 1
                do {
                    if stage { sink[0] = SwiGLU.prefetch(p.gate + ex * f * h, floats: f * h) }
                    try Matmul.run(m: n, n: f, k: h, a: xs + start * h, lda: h, b: p.gate + ex * f * h, ldb: h,
                                   bLayout: .nk, c: g, ldc: f, accumulate: false, params: mp, pool: pool)
                    if stage { sink[0] += SwiGLU.prefetch(p.up + ex * f * h, floats: f * h) }
                    try Matmul.run(m: n, n: f, k: h, a: xs + start * h, lda: h, b: p.up + ex * f * h, ldb: h,
                                   bLayout: .nk, c: u, ldc: f, accumulate: false, params: mp, pool: pool)
                    if stage { sink[0] += SwiGLU.prefetch(p.down + ex * h * f, floats: h * f) }
                    SwiGLU.apply(gate: g, up: UnsafePointer(u), count: n * f)
                    try Matmul.run(m: n, n: h, k: f, a: g, lda: f, b: p.down + ex * h * f, ldb: f,
                                   bLayout: .nk, c: ys + start * h, ldc: h, accumulate: false, params: mp, pool: pool)
                } catch {
                    failed.store(true, ordering: .relaxed)
                }
            }

            // Batches run inside (one after another, matmuls over all threads) when split = 1 and they
            // hold at least `merge` rows; the rest are merged into tasks of ≥ merge rows run across threads.
            var small = 0
            grp[0] = 0
            var acc = 0
            for i in 0..<count {
                let b = list[i]
                if params.split == 1 && Int(b.count) >= params.merge && threads > 1 {
                    ffn(b, slot: 0, params: inside)
                    continue
                }
                list[small] = b
                small += 1
                acc += Int(b.count)
                if acc >= params.merge { grp[0] += 1; grp[Int(grp[0])] = Int32(small); acc = 0 }
            }
            if acc > 0 { grp[0] += 1; grp[Int(grp[0])] = Int32(small) }
            // grp[1...tasks] are group ends; group g spans list[end(g−1) ..< end(g)].
            let tasks = Int(grp[0])
            pool.forEachTask(tasks, slots: threads) { slot, task in
                let lo = task == 0 ? 0 : Int(grp[task]), hi = Int(grp[task + 1])
                for i in lo..<hi { ffn(list[i], slot: slot, params: single) }
            }
            combine(p, weights: UnsafePointer(wgt), positions: UnsafePointer(pos), outputs: UnsafePointer(ys),
                    pool: pool, threads: threads)
        }
        if failed.load(ordering: .relaxed) {
            throw .invalidShape(kernel: ExpertGather.family, reason: "an expert matmul rejected its operands")
        }
    }

    /// Counting sort of the rows by expert (stable: token order within an expert). Row r of the sorted
    /// order holds token `tokens[r]` with routing weight `weights[r]`; `positions[t·topK + j]` is the
    /// sorted row of token t's slot j; `offsets[e] ..< offsets[e+1]` are expert e's rows.
    static func route(_ p: MoEProblem, tokens: UnsafeMutablePointer<Int32>, weights: UnsafeMutablePointer<Float>,
                      positions: UnsafeMutablePointer<Int32>, offsets: UnsafeMutablePointer<Int32>,
                      cursor: UnsafeMutablePointer<Int32>) {
        let s = p.shape
        for i in 0..<s.experts { cursor[i] = 0 }
        for i in 0..<s.rows { cursor[Int(p.ids[i])] += 1 }
        offsets[0] = 0
        for i in 0..<s.experts { offsets[i + 1] = offsets[i] + cursor[i]; cursor[i] = offsets[i] }
        for i in 0..<s.rows {
            let ex = Int(p.ids[i]), r = Int(cursor[ex])
            cursor[ex] += 1
            tokens[r] = Int32(i / s.topK)
            weights[r] = p.weights[i]
            positions[i] = Int32(r)
        }
    }

    /// Expert batches of at most `chunk` rows. Expert-major: each expert's rows in order. Token-major:
    /// windows of `chunk` tokens, and within a window each expert's rows (contiguous, since rows are
    /// sorted by token inside an expert). Returns the number of batches.
    static func makeBatches(_ p: MoEProblem, order: Int, chunk: Int, tokens: UnsafePointer<Int32>,
                            offsets: UnsafePointer<Int32>, cursor: UnsafeMutablePointer<Int32>,
                            into list: UnsafeMutablePointer<ExpertBatch>) -> Int {
        let s = p.shape
        var count = 0
        func add(_ ex: Int, _ start: Int, _ n: Int) {
            var st = start, left = n
            while left > 0 {
                let m = min(chunk, left)
                list[count] = ExpertBatch(expert: Int32(ex), start: Int32(st), count: Int32(m))
                count += 1
                st += m
                left -= m
            }
        }
        if order == 0 {
            for ex in 0..<s.experts { add(ex, Int(offsets[ex]), Int(offsets[ex + 1] - offsets[ex])) }
            return count
        }
        for ex in 0..<s.experts { cursor[ex] = offsets[ex] }
        var w0 = 0
        while w0 < s.tokens {
            let end = Int32(min(s.tokens, w0 + chunk))
            for ex in 0..<s.experts {
                let start = Int(cursor[ex])
                var c = start
                let stop = Int(offsets[ex + 1])
                while c < stop && tokens[c] < end { c += 1 }
                cursor[ex] = Int32(c)
                add(ex, start, c - start)
            }
            w0 += chunk
        }
        return count
    }

    /// X[r] = x[tokens[r]]: the routed rows, copied into expert-sorted order (parallel over row blocks).
    static func gather(_ p: MoEProblem, tokens: UnsafePointer<Int32>, into xs: UnsafeMutablePointer<Float>,
                       pool: WorkerPool, threads: Int) {
        let h = p.shape.hidden, rows = p.shape.rows
        let per = max(1, (64 << 10) / (h * 4))   // ~64 KiB per task
        let tasks = (rows + per - 1) / per
        let body = { (t: Int) in
            for r in (t * per)..<min(rows, (t + 1) * per) {
                (xs + r * h).update(from: p.x + Int(tokens[r]) * h, count: h)
            }
        }
        if threads == 1 || tasks == 1 { for t in 0..<tasks { body(t) } } else { pool.parallelFor(tasks, body) }
    }

    /// out[t] += Σⱼ w[t,j] · Y[positions[t·topK + j]], slots in order (parallel over token blocks).
    static func combine(_ p: MoEProblem, weights: UnsafePointer<Float>, positions: UnsafePointer<Int32>,
                        outputs: UnsafePointer<Float>, pool: WorkerPool, threads: Int) {
        let h = p.shape.hidden, k = p.shape.topK, tokens = p.shape.tokens
        let per = max(1, (64 << 10) / (h * 4 * k))
        let tasks = (tokens + per - 1) / per
        let body = { (task: Int) in
            for t in (task * per)..<min(tokens, (task + 1) * per) {
                SwiGLU.combineRow(out: p.out + t * h, rows: positions + t * k, k: k, weights: weights,
                                  outputs: outputs, width: h)
            }
        }
        if threads == 1 || tasks == 1 { for t in 0..<tasks { body(t) } } else { pool.parallelFor(tasks, body) }
    }
}

/// Offsets of typed regions inside one scratch block (64-byte aligned each).
struct ScratchLayout {
    private(set) var bytes = 0

    mutating func add<T>(_: T.Type, _ count: Int) -> Int {
        let at = bytes.roundedUp(toMultipleOf: 64)
        bytes = at + max(1, count) * MemoryLayout<T>.stride
        return at
    }

    func pointer<T>(_ offset: Int, _ base: UnsafeMutableRawPointer, _: T.Type) -> UnsafeMutablePointer<T> {
        (base + offset).assumingMemoryBound(to: T.self)
    }
}
