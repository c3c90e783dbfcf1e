// The attention kernels and everything generic they call live in this one file on purpose: debug builds
// compile files separately (no whole-module optimization), and a generic function called from another
// file runs unspecialized (SIMD lanes through metadata, ~100x slower). Keeping the SIMD-generic code
// and its concrete entry points together lets the compiler specialize it even in `swift test`.


extension Attention {
    /// Concrete SIMD-width entry points (specialized here, see the note at the top of the file).
    static func runPrefill(_ p: AttentionProblem, _ params: PrefillParams, _ pool: WorkerPool) {
        switch params.lanes {
        case 16: FlashPrefill<SIMD16<Float>>.run(p, params, pool)
        case 8: FlashPrefill<SIMD8<Float>>.run(p, params, pool)
        default: FlashPrefill<SIMD4<Float>>.run(p, params, pool)
        }
    }

    static func runDecode(_ p: AttentionProblem, _ params: DecodeParams, _ pool: WorkerPool) {
        switch params.lanes {
        case 16: SplitDecode<SIMD16<Float>>.run(p, params, pool)
        case 8: SplitDecode<SIMD8<Float>>.run(p, params, pool)
        default: SplitDecode<SIMD4<Float>>.run(p, params, pool)
        }
    }
}

/// Flash-style causal prefill (Dao et al., FlashAttention-2 loop order), generic over the SIMD vector.
///
/// Kᵀ is packed once per call into key blocks `[kvHead][block][headDim][bc]` (zero-padded), so the
/// Q·Kᵀ micro-kernel is an outer product: broadcast one scaled query value, FMA a vector of `lanes`
/// key columns. A task is one (query head, query block of `br` rows); it walks the key blocks up to the
/// causal limit, keeping the br×bc score tile, the running max/sum and the br×headDim output accumulator
/// in its own scratch (allocated once per call from the pool's arena), with an online softmax per block
/// (rescaling folded into the P·V micro-kernel). Heavier query blocks (later rows) are claimed first.
enum FlashPrefill<V: ExpVector> {
    static var lanes: Int { V.scalarCount }
    static var rows: Int { PrefillParams.tileRows }

    static func run(_ p: AttentionProblem, _ params: PrefillParams, _ pool: WorkerPool) {
        let d = p.d, br = params.br, bc = params.bc
        let blocks = p.keys.roundedUp(toMultipleOf: bc) / bc
        let ktFloats = (p.kvHeads * blocks * d * bc).roundedUp(toMultipleOf: 16)
        let queryBlocks = p.tokens.roundedUp(toMultipleOf: br) / br
        let tasks = p.heads * queryBlocks
        let slots = max(1, min(params.threads, pool.threadCount, tasks))
        // Per slot: scaled Q block [br×d], scores [br×bc], output [br×d], max, sum, rescale [br] each.
        let qFloats = (br * d).roundedUp(toMultipleOf: 16)
        let sFloats = (br * bc).roundedUp(toMultipleOf: 16)
        let vecFloats = br.roundedUp(toMultipleOf: 16)
        let perSlot = (2 * qFloats + sFloats + 3 * vecFloats).roundedUp(toMultipleOf: 1024)
        pool.scratch.withScratch(bytes: (ktFloats + slots * perSlot) * 4) { raw in
            let kt = raw.assumingMemoryBound(to: Float.self)
            packKeys(p, bc: bc, blocks: blocks, into: kt, pool: pool, threads: slots)
            pool.forEachTask(tasks, slots: slots) { slot, task in
                let base = kt + ktFloats + slot * perSlot
                let scratch = TaskScratch(q: base, s: base + qFloats, o: base + qFloats + sFloats,
                                          m: base + 2 * qFloats + sFloats,
                                          l: base + 2 * qFloats + sFloats + vecFloats,
                                          alpha: base + 2 * qFloats + sFloats + 2 * vecFloats)
                let head = task % p.heads
                let qBlock = queryBlocks - 1 - task / p.heads
                attendBlock(p, head: head, firstRow: qBlock * br, br: br, bc: bc, blocks: blocks,
                            kt: UnsafePointer(kt), scratch: scratch)
            }
        }
    }

    /// The per-task scratch regions (all in the slot's part of the arena).
    struct TaskScratch {
        var q: UnsafeMutablePointer<Float>, s: UnsafeMutablePointer<Float>, o: UnsafeMutablePointer<Float>
        var m: UnsafeMutablePointer<Float>, l: UnsafeMutablePointer<Float>, alpha: UnsafeMutablePointer<Float>
    }

    /// Kᵀ blocks: kt[((kvh·blocks + b)·d + x)·bc + c] = K[b·bc + c, kvh, x], zero beyond the cache.
    static func packKeys(_ p: AttentionProblem, bc: Int, blocks: Int, into kt: UnsafeMutablePointer<Float>,
                         pool: WorkerPool, threads: Int) {
        let d = p.d
        let body = { (task: Int) in
            let kvh = task / blocks, b = task % blocks
            let dst = kt + (kvh * blocks + b) * d * bc
            let valid = min(bc, p.keys - b * bc)
            for c in 0..<bc {
                if c < valid {
                    let src = p.k + (b * bc + c) * p.kvStride + kvh * d
                    for x in 0..<d { dst[x * bc + c] = src[x] }
                } else {
                    for x in 0..<d { dst[x * bc + c] = 0 }
                }
            }
        }
        let tasks = p.kvHeads * blocks
        if threads == 1 { for t in 0..<tasks { body(t) } } else { pool.parallelFor(tasks, body) }
    }

    /// One (head, query block): rows firstRow ..< firstRow + br (clipped to the tokens).
    static func attendBlock(_ p: AttentionProblem, head: Int, firstRow: Int, br: Int, bc: Int, blocks: Int,
                            kt: UnsafePointer<Float>, scratch t: TaskScratch) {
        let d = p.d, lanes = Self.lanes
        let realRows = min(br, p.tokens - firstRow)
        let tileRows = realRows.roundedUp(toMultipleOf: rows)
        let kvh = head / p.group
        // Scaled queries (zero rows pad the last register tile); fresh softmax state.
        let scale = p.scale2
        for r in 0..<tileRows {
            let dst = t.q + r * d
            if r < realRows {
                let src = p.q + (firstRow + r) * p.qStride + head * d
                for x in 0..<d { dst[x] = src[x] * scale }
            } else {
                for x in 0..<d { dst[x] = 0 }
            }
            for x in 0..<d { t.o[r * d + x] = 0 }
            t.m[r] = -.infinity
            t.l[r] = 0
        }
        // Keys up to (and including) the last row's own position.
        let keyEnd = min(p.keys, p.past + firstRow + realRows)
        var j0 = 0
        while j0 < keyEnd {
            let cols = min(bc, keyEnd - j0)
            let vectors = (cols + lanes - 1) / lanes
            let block = kt + ((kvh * blocks + j0 / bc) * d) * bc
            // S = Q·Kᵀ for the tile.
            var r = 0
            while r < tileRows {
                var c = 0
                while c + 4 <= vectors {
                    QKTile<V, 4, 4>.compute(d: d, q: t.q + r * d, kt: block + c * lanes, bc: bc, s: t.s + r * bc + c * lanes)
                    c += 4
                }
                while c < vectors {
                    QKTile<V, 4, 1>.compute(d: d, q: t.q + r * d, kt: block + c * lanes, bc: bc, s: t.s + r * bc + c * lanes)
                    c += 1
                }
                r += rows
            }
            // Online softmax, row by row; masking only where the tile crosses the diagonal or the end.
            let masked = j0 + vectors * lanes > p.past + firstRow + 1
            for r in 0..<tileRows {
                let srow = t.s + r * bc
                let limit = Float(min(p.past + firstRow + r + 1, p.keys) - j0)
                var mx = V(repeating: -.infinity)
                for c in 0..<vectors {
                    var x = UnsafeRawPointer(srow + c * lanes).loadUnaligned(as: V.self)
                    if masked {
                        x = x.masked(first: Float(c * lanes), limit: limit)
                        UnsafeMutableRawPointer(srow + c * lanes).storeBytes(of: x, as: V.self)
                    }
                    mx = mx.maxWith(x)
                }
                let old = t.m[r]
                let new = max(old, mx.laneMax)
                let shift = V(repeating: new)
                var sum = V()
                for c in 0..<vectors {
                    let e = V.fastExp2(UnsafeRawPointer(srow + c * lanes).loadUnaligned(as: V.self) - shift)
                    UnsafeMutableRawPointer(srow + c * lanes).storeBytes(of: e, as: V.self)
                    sum += e
                }
                let alpha = new == -.infinity ? 1 : fastExp2(old - new)
                t.alpha[r] = alpha
                t.l[r] = t.l[r] * alpha + sum.laneSum
                t.m[r] = new
            }
            // O = diag(α)·O + P·V.
            let vBase = p.v + j0 * p.kvStride + kvh * d
            let dVectors = d / lanes
            r = 0
            while r < tileRows {
                var c = 0
                while c + 4 <= dVectors {
                    PVTile<V, 4, 4>.compute(cols: cols, p: t.s + r * bc, bc: bc, v: vBase + c * lanes, vStride: p.kvStride,
                                            o: t.o + r * d + c * lanes, d: d, alpha: t.alpha + r)
                    c += 4
                }
                while c < dVectors {
                    PVTile<V, 4, 1>.compute(cols: cols, p: t.s + r * bc, bc: bc, v: vBase + c * lanes, vStride: p.kvStride,
                                            o: t.o + r * d + c * lanes, d: d, alpha: t.alpha + r)
                    c += 1
                }
                r += rows
            }
            j0 += bc
        }
        for r in 0..<realRows {
            let inv = 1 / t.l[r]
            let dst = p.out + (firstRow + r) * p.qStride + head * d
            for x in 0..<d { dst[x] = t.o[r * d + x] * inv }
        }
    }
}

/// S[R × C·lanes] = Q[R × d] · Kᵀ[d × C·lanes] from a packed key block (row stride `bc`).
enum QKTile<V: SIMD, let R: Int, let C: Int> where V.Scalar == Float {
    @inline(__always)
    static func compute(d: Int, q: UnsafePointer<Float>, kt: UnsafePointer<Float>, bc: Int,
                        s: UnsafeMutablePointer<Float>) {
        let lanes = V.scalarCount
        var acc = InlineArray<R, InlineArray<C, V>>(repeating: InlineArray<C, V>(repeating: V()))
        var pk = kt
        for x in 0..<d {
            var kv = InlineArray<C, V>(repeating: V())
            for c in 0..<C { kv[c] = UnsafeRawPointer(pk + c * lanes).loadUnaligned(as: V.self) }
            for i in 0..<R {
                let qv = V(repeating: q[i * d + x])
                for c in 0..<C { acc[i][c] = acc[i][c].addingProduct(qv, kv[c]) }
            }
            pk += bc
        }
        for i in 0..<R {
            for c in 0..<C { UnsafeMutableRawPointer(s + i * bc + c * lanes).storeBytes(of: acc[i][c], as: V.self) }
        }
    }
}

/// O[R × C·lanes] = α ⊙ O + P[R × cols] · V[cols × C·lanes] (V rows `vStride` apart, P rows `bc` apart).
enum PVTile<V: SIMD, let R: Int, let C: Int> where V.Scalar == Float {
    @inline(__always)
    static func compute(cols: Int, p: UnsafePointer<Float>, bc: Int, v: UnsafePointer<Float>, vStride: Int,
                        o: UnsafeMutablePointer<Float>, d: Int, alpha: UnsafePointer<Float>) {
        let lanes = V.scalarCount
        var acc = InlineArray<R, InlineArray<C, V>>(repeating: InlineArray<C, V>(repeating: V()))
        for i in 0..<R {
            let a = V(repeating: alpha[i])
            for c in 0..<C { acc[i][c] = UnsafeRawPointer(o + i * d + c * lanes).loadUnaligned(as: V.self) * a }
        }
        var pv = v
        for j in 0..<cols {
            var vv = InlineArray<C, V>(repeating: V())
            for c in 0..<C { vv[c] = UnsafeRawPointer(pv + c * lanes).loadUnaligned(as: V.self) }
            for i in 0..<R {
                let pj = V(repeating: p[i * bc + j])
                for c in 0..<C { acc[i][c] = acc[i][c].addingProduct(pj, vv[c]) }
            }
            pv += vStride
        }
        for i in 0..<R {
            for c in 0..<C { UnsafeMutableRawPointer(o + i * d + c * lanes).storeBytes(of: acc[i][c], as: V.self) }
        }
    }
}

/// Decode attention (one query token per head against `length` cached rows), split along the cache
/// (flash-decoding): each task takes `chunk` consecutive rows and produces, for every head, a partial
/// softmax (running max m, sum l, unnormalized output o); a final log-sum-exp merge combines them.
///
/// Bandwidth is the limit, so each K and V row is read from memory once for all the query heads of its
/// group (GQA), in cache-row order across key/value heads: a task's `block` rows are touched once
/// from DRAM, then reused from L1 by every head of the group. Scores of one block for all heads sit in
/// the slot's scratch and get one vectorized online-softmax step per block.
enum SplitDecode<V: ExpVector> {
    static var lanes: Int { V.scalarCount }

    static func run(_ p: AttentionProblem, _ params: DecodeParams, _ pool: WorkerPool) {
        // Query vectors: `tokens` queries (speculative decode) × heads, each with its own partials.
        let d = p.d, heads = p.tokens * p.heads, length = p.keys
        let chunk = params.chunk, block = params.block
        let chunks = (length + chunk - 1) / chunk
        // Tasks: (chunk of the cache, group of KV heads). Splitting the KV heads gives every thread its
        // own streams even for a short cache, and a task's block (block rows × its heads' slices of K and
        // V) stays in L1 between the score and the P·V pass.
        let kvGroups = max(1, min(params.kvsplit, p.kvHeads))
        let tasks = chunks * kvGroups
        let slots = max(1, min(params.threads, pool.threadCount, tasks))
        // Partial record per (chunk, query, head): o[d], then m and l, padded to whole vectors.
        let record = (d + 2).roundedUp(toMultipleOf: 16)
        let qFloats = (heads * d).roundedUp(toMultipleOf: 16)
        let blockPad = block.roundedUp(toMultipleOf: lanes)
        let perSlot = (heads * blockPad).roundedUp(toMultipleOf: 1024)
        let partialFloats = (chunks * heads * record).roundedUp(toMultipleOf: 16)
        let pf = params.pf
        pool.scratch.withScratch(bytes: (qFloats + partialFloats + slots * perSlot) * 4) { raw in
            let qs = raw.assumingMemoryBound(to: Float.self)
            let partials = qs + qFloats
            let scoreBase = partials + partialFloats
            let scale = p.scale2
            for i in 0..<(heads * d) { qs[i] = p.q[i] * scale }
            pool.forEachTask(tasks, slots: slots) { slot, task in
                let c = task / kvGroups, g = task % kvGroups
                let first = c * chunk
                let kv = (g * p.kvHeads / kvGroups)..<((g + 1) * p.kvHeads / kvGroups)
                attendChunk(p, rows: first..<min(length, first + chunk), kv: kv, block: block, blockPad: blockPad,
                            prefetchRows: pf, q: UnsafePointer(qs), scores: scoreBase + slot * perSlot,
                            partial: partials + c * heads * record, record: record)
            }
            merge(p, tasks: chunks, partials: UnsafePointer(partials), record: record)
        }
    }

    /// One task: cache rows `rows` for the KV heads `kv` (and their query heads, for every query token),
    /// one pass over those slices of K and V, leaving an unnormalized partial per (query, head) in
    /// `partial` (query vector t·heads + h). Query t sees rows below past + t + 1: later rows of a block
    /// are masked, and a block it cannot see at all leaves its partial untouched.
    static func attendChunk(_ p: AttentionProblem, rows: Range<Int>, kv: Range<Int>, block: Int, blockPad: Int,
                            prefetchRows: Int, q: UnsafePointer<Float>, scores: UnsafeMutablePointer<Float>,
                            partial: UnsafeMutablePointer<Float>, record: Int) {
        let d = p.d, lanes = Self.lanes, group = p.group, queries = p.tokens, heads = p.heads
        let dVectors = d / lanes
        let headRange = (kv.lowerBound * group)..<(kv.upperBound * group)
        for t in 0..<queries {
            for h in headRange {
                let rec = partial + (t * heads + h) * record
                for x in 0..<d { rec[x] = 0 }
                rec[d] = -.infinity
                rec[d + 1] = 0
            }
        }
        // The task's slice of a cache row: its KV heads' d values each, contiguous.
        let sliceOffset = kv.lowerBound * d, sliceBytes = kv.count * d * 4
        var sink = V()
        var b0 = rows.lowerBound
        while b0 < rows.upperBound {
            let n = min(block, rows.upperBound - b0)
            // The dependent dot-product and P·V chains alone keep too few misses in flight (latency-bound
            // at a fraction of DRAM bandwidth). So the first block is brought in by independent loads (one
            // per cache line), and while a row is computed, the row `prefetchRows` ahead is prefetched
            // (`prefetcht0`, which retires at once): K and V slices, every line.
            if b0 == rows.lowerBound {
                for j in 0..<n {
                    sink += touch(p.k + (b0 + j) * p.kvStride + sliceOffset, floats: kv.count * d)
                    sink += touch(p.v + (b0 + j) * p.kvStride + sliceOffset, floats: kv.count * d)
                }
            }
            // Scores: every K row slice of the block once, each KV head against its group's queries.
            for j in 0..<n {
                let ahead = b0 + j + prefetchRows
                if prefetchRows > 0 && ahead < rows.upperBound {
                    let kAhead = UnsafeRawPointer(p.k + ahead * p.kvStride + sliceOffset)
                    let vAhead = UnsafeRawPointer(p.v + ahead * p.kvStride + sliceOffset)
                    for line in stride(from: 0, to: sliceBytes, by: 64) {
                        prefetch(kAhead + line)
                        prefetch(vAhead + line)
                    }
                }
                let krow = p.k + (b0 + j) * p.kvStride
                for kvh in kv {
                    let kx = krow + kvh * d
                    for t in 0..<queries { for g in 0..<group {
                        let h = kvh * group + g
                        let qh = q + (t * heads + h) * d
                        var a0 = V(), a1 = V()
                        var c = 0
                        while c + 2 <= dVectors {
                            a0 = a0.addingProduct(UnsafeRawPointer(qh + c * lanes).loadUnaligned(as: V.self),
                                                  UnsafeRawPointer(kx + c * lanes).loadUnaligned(as: V.self))
                            a1 = a1.addingProduct(UnsafeRawPointer(qh + (c + 1) * lanes).loadUnaligned(as: V.self),
                                                  UnsafeRawPointer(kx + (c + 1) * lanes).loadUnaligned(as: V.self))
                            c += 2
                        }
                        if c < dVectors {
                            a0 = a0.addingProduct(UnsafeRawPointer(qh + c * lanes).loadUnaligned(as: V.self),
                                                  UnsafeRawPointer(kx + c * lanes).loadUnaligned(as: V.self))
                        }
                        scores[(t * heads + h) * blockPad + j] = (a0 + a1).laneSum
                    } }
                }
            }
            // One online-softmax step per (query, head) over the block's scores.
            let vectors = (n + lanes - 1) / lanes
            for t in 0..<queries { for h in headRange {
                let s = scores + (t * heads + h) * blockPad
                let visible = min(n, p.past + t + 1 - b0)
                if visible <= 0 {
                    // Rows past this query's position: zero weights (P·V adds nothing), state unchanged.
                    for c in 0..<vectors { UnsafeMutableRawPointer(s + c * lanes).storeBytes(of: V(), as: V.self) }
                    continue
                }
                let limit = Float(visible)
                var mx = V(repeating: -.infinity)
                for c in 0..<vectors {
                    var x = UnsafeRawPointer(s + c * lanes).loadUnaligned(as: V.self)
                    x = x.masked(first: Float(c * lanes), limit: limit)
                    UnsafeMutableRawPointer(s + c * lanes).storeBytes(of: x, as: V.self)
                    mx = mx.maxWith(x)
                }
                let r = partial + (t * heads + h) * record
                let old = r[d]
                let new = max(old, mx.laneMax)
                let shift = V(repeating: new)
                var sum = V()
                for c in 0..<vectors {
                    let e = V.fastExp2(UnsafeRawPointer(s + c * lanes).loadUnaligned(as: V.self) - shift)
                    UnsafeMutableRawPointer(s + c * lanes).storeBytes(of: e, as: V.self)
                    sum += e
                }
                let alpha = old == -.infinity ? 0 : fastExp2(old - new)
                r[d + 1] = r[d + 1] * alpha + sum.laneSum
                r[d] = new
                // Rescale this head's accumulator now; the P·V pass below only adds.
                let av = V(repeating: alpha)
                for c in 0..<dVectors {
                    let o = UnsafeMutableRawPointer(r + c * lanes)
                    o.storeBytes(of: o.loadUnaligned(as: V.self) * av, as: V.self)
                }
            } }
            // O += P·V: each V row slice (now L1-resident after the first head) for every head of its group.
            let vBase = p.v + b0 * p.kvStride
            for kvh in kv {
                for t in 0..<queries { for g in 0..<group {
                    let h = kvh * group + g
                    let s = UnsafePointer(scores + (t * heads + h) * blockPad)
                    let o = partial + (t * heads + h) * record
                    var c = 0
                    while c + 4 <= dVectors {
                        PVTile<V, 1, 4>.accumulate(cols: n, p: s, v: vBase + kvh * d + c * lanes, vStride: p.kvStride, o: o + c * lanes)
                        c += 4
                    }
                    while c < dVectors {
                        PVTile<V, 1, 1>.accumulate(cols: n, p: s, v: vBase + kvh * d + c * lanes, vStride: p.kvStride, o: o + c * lanes)
                        c += 1
                    }
                } }
            }
            b0 += n
        }
        // Keep the touches alive: the sink lands in a scratch lane nobody reads.
        scores[0] += sink.laneSum * 0
    }

    /// Loads one vector per 64-byte line of `floats` contiguous values into four independent sums.
    @inline(__always)
    static func touch(_ p: UnsafePointer<Float>, floats: Int) -> V {
        let step = max(lanes, 16)
        var a0 = V(), a1 = V(), a2 = V(), a3 = V()
        var i = 0
        while i + 4 * step <= floats {
            a0 += UnsafeRawPointer(p + i).loadUnaligned(as: V.self)
            a1 += UnsafeRawPointer(p + i + step).loadUnaligned(as: V.self)
            a2 += UnsafeRawPointer(p + i + 2 * step).loadUnaligned(as: V.self)
            a3 += UnsafeRawPointer(p + i + 3 * step).loadUnaligned(as: V.self)
            i += 4 * step
        }
        while i + lanes <= floats {
            a0 += UnsafeRawPointer(p + i).loadUnaligned(as: V.self)
            i += step
        }
        return (a0 + a1) + (a2 + a3)
    }

    /// out[h] = Σₜ 2^(mₜ−M)·oₜ / Σₜ 2^(mₜ−M)·lₜ with M = maxₜ mₜ (log-sum-exp merge of the partials).
    static func merge(_ p: AttentionProblem, tasks: Int, partials: UnsafePointer<Float>, record: Int) {
        let d = p.d, lanes = Self.lanes, dVectors = d / lanes
        let vectors = p.tokens * p.heads   // query vectors; out is [tokens × heads × d], vector h at h·d
        let stride = vectors * record
        for h in 0..<vectors {
            var top = -Float.infinity
            for t in 0..<tasks { top = max(top, partials[t * stride + h * record + d]) }
            var total: Float = 0
            let dst = p.out + h * d
            for c in 0..<dVectors { UnsafeMutableRawPointer(dst + c * lanes).storeBytes(of: V(), as: V.self) }
            for t in 0..<tasks {
                let r = partials + t * stride + h * record
                let w = fastExp2(r[d] - top)
                total += w * r[d + 1]
                let wv = V(repeating: w)
                for c in 0..<dVectors {
                    let o = UnsafeMutableRawPointer(dst + c * lanes)
                    o.storeBytes(of: o.loadUnaligned(as: V.self).addingProduct(wv, UnsafeRawPointer(r + c * lanes).loadUnaligned(as: V.self)), as: V.self)
                }
            }
            let inv = V(repeating: 1 / total)
            for c in 0..<dVectors {
                let o = UnsafeMutableRawPointer(dst + c * lanes)
                o.storeBytes(of: o.loadUnaligned(as: V.self) * inv, as: V.self)
            }
        }
    }
}

extension PVTile {
    /// o[C·lanes] += Σⱼ p[j] · V[j] for one output row (the decode step; rescaling done by the caller).
    @inline(__always)
    static func accumulate(cols: Int, p: UnsafePointer<Float>, v: UnsafePointer<Float>, vStride: Int,
                           o: UnsafeMutablePointer<Float>) {
        let lanes = V.scalarCount
        // Two accumulator sets (even and odd rows) so the FMA latency chains do not bound the loop.
        var acc = InlineArray<C, V>(repeating: V()), odd = InlineArray<C, V>(repeating: V())
        for c in 0..<C { acc[c] = UnsafeRawPointer(o + c * lanes).loadUnaligned(as: V.self) }
        var pv = v
        var j = 0
        while j + 2 <= cols {
            let p0 = V(repeating: p[j]), p1 = V(repeating: p[j + 1])
            for c in 0..<C {
                acc[c] = acc[c].addingProduct(p0, UnsafeRawPointer(pv + c * lanes).loadUnaligned(as: V.self))
                odd[c] = odd[c].addingProduct(p1, UnsafeRawPointer(pv + vStride + c * lanes).loadUnaligned(as: V.self))
            }
            pv += 2 * vStride
            j += 2
        }
        if j < cols {
            let p0 = V(repeating: p[j])
            for c in 0..<C { acc[c] = acc[c].addingProduct(p0, UnsafeRawPointer(pv + c * lanes).loadUnaligned(as: V.self)) }
        }
        for c in 0..<C { UnsafeMutableRawPointer(o + c * lanes).storeBytes(of: acc[c] + odd[c], as: V.self) }
    }
}

/// A Float SIMD vector with a same-width UInt32 vector for its bit pattern, so that `fastExp2` can build
/// 2ⁿ by integer shifts while staying generic over the SIMD width (4, 8 or 16 lanes).
protocol ExpVector: SIMD where Scalar == Float {
    associatedtype Bits: SIMD where Bits.Scalar == UInt32
    /// The largest lane, by a tree of half-width compares (the stdlib's `max()` is a scalar loop).
    var laneMax: Float { get }
    /// The sum of the lanes, by a tree of half-width adds.
    var laneSum: Float { get }
    /// Lane-wise maximum and minimum.
    func maxWith(_ other: Self) -> Self
    func minWith(_ other: Self) -> Self
    /// −∞ in every lane whose index (first + lane) is at least `limit` (the causal / length mask).
    func masked(first: Float, limit: Float) -> Self
}

// Mask operations are implemented per concrete type: there the stdlib's concrete SIMD comparisons and
// blends apply (one vcmpps + blend, or vmaxps); the generic `SIMD` versions run a scalar loop per lane.
extension SIMD4: ExpVector where Scalar == Float {
    typealias Bits = SIMD4<UInt32>
    var laneMax: Float { Swift.max(Swift.max(self[0], self[1]), Swift.max(self[2], self[3])) }
    var laneSum: Float { (self[0] + self[2]) + (self[1] + self[3]) }
    @inline(__always) func maxWith(_ o: Self) -> Self { replacing(with: o, where: o .> self) }
    @inline(__always) func minWith(_ o: Self) -> Self { replacing(with: o, where: o .< self) }
    @inline(__always) func masked(first: Float, limit: Float) -> Self {
        replacing(with: -.infinity, where: Self(0, 1, 2, 3) + Self(repeating: first) .>= Self(repeating: limit))
    }
}

extension SIMD8: ExpVector where Scalar == Float {
    typealias Bits = SIMD8<UInt32>
    var laneMax: Float { lowHalf.maxWith(highHalf).laneMax }
    var laneSum: Float { (lowHalf + highHalf).laneSum }
    @inline(__always) func maxWith(_ o: Self) -> Self { replacing(with: o, where: o .> self) }
    @inline(__always) func minWith(_ o: Self) -> Self { replacing(with: o, where: o .< self) }
    @inline(__always) func masked(first: Float, limit: Float) -> Self {
        replacing(with: -.infinity, where: Self(0, 1, 2, 3, 4, 5, 6, 7) + Self(repeating: first) .>= Self(repeating: limit))
    }
}

extension SIMD16: ExpVector where Scalar == Float {
    typealias Bits = SIMD16<UInt32>
    var laneMax: Float { lowHalf.maxWith(highHalf).laneMax }
    var laneSum: Float { (lowHalf + highHalf).laneSum }
    @inline(__always) func maxWith(_ o: Self) -> Self { replacing(with: o, where: o .> self) }
    @inline(__always) func minWith(_ o: Self) -> Self { replacing(with: o, where: o .< self) }
    @inline(__always) func masked(first: Float, limit: Float) -> Self {
        replacing(with: -.infinity, where: Self(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
                  + Self(repeating: first) .>= Self(repeating: limit))
    }
}

extension ExpVector {
    /// 2ˣ lane by lane, branch-free: x = n + f with n = round(x) and |f| ≤ ½; 2ᶠ by its degree-6 Taylor
    /// polynomial (relative error ≤ 2·10⁻⁷ on |f| ≤ ½, about 2 ulp), 2ⁿ assembled in the exponent bits.
    /// Inputs below −127 (including −∞, the softmax mask) give exactly 0; inputs are clamped at 127.
    @inline(__always)
    static func fastExp2(_ x: Self) -> Self {
        // Clamp with compare-and-blend (the stdlib's `clamped` is an out-of-line call).
        let xc = x.maxWith(Self(repeating: -127)).minWith(Self(repeating: 127))
        // Adding 1.5·2²³ rounds to an integer that lands in the low mantissa bits of `t`.
        let magic = Self(repeating: 12_582_912)
        let t = xc + magic
        let n = t - magic
        let f = xc - n
        var p = Self(repeating: 1.540_353_0e-4)
        p = Self(repeating: 1.333_355_8e-3).addingProduct(p, f)
        p = Self(repeating: 9.618_129_1e-3).addingProduct(p, f)
        p = Self(repeating: 5.550_410_9e-2).addingProduct(p, f)
        p = Self(repeating: 2.402_265_1e-1).addingProduct(p, f)
        p = Self(repeating: 6.931_471_8e-1).addingProduct(p, f)
        p = Self(repeating: 1).addingProduct(p, f)
        // (bits(t) << 23) keeps n·2²³ modulo 2³²; adding 127·2²³ gives the biased exponent of 2ⁿ.
        let bits = (unsafeBitCast(t, to: Bits.self) &<< 23) &+ Bits(repeating: 127 << 23)
        return p * unsafeBitCast(bits, to: Self.self)
    }
}

/// Scalar 2ˣ with the same polynomial (per-row softmax bookkeeping and the decode merge).
@inline(__always)
fileprivate func fastExp2(_ x: Float) -> Float { SIMD4<Float>.fastExp2(SIMD4(repeating: x))[0] }
