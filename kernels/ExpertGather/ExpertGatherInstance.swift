/// An `expert-gather` benchmark instance. Shape key `T=128,h=512,f=256,e=64,k=6`.
///
/// Operands: x in [−1, 1); expert weights scaled like a trained layer (gate/up by 1/√h, down by 1/√f);
/// router output with `k` distinct experts per token drawn uniformly (SplitMix64, seeded) and softmax-like
/// positive weights summing to 1. `run` recomputes out from zero each time (out += Σ…, so it is cleared
/// first, inside the timed call: T·h floats). Verification compares all outputs with
/// `ExpertGather.reference` when T·k·h·f ≤ 2²⁶, otherwise the first and last 8 tokens, bound
/// `ExpertGather.errorBound`.
public final class ExpertGatherInstance: TunableKernel, @unchecked Sendable {
    public static var family: KernelFamilyID { .expertGather }
    public let shape: MoEShape
    let pool: WorkerPool
    let x: OperandBuffer, gate: OperandBuffer, up: OperandBuffer, down: OperandBuffer, out: OperandBuffer
    let routeWeights: OperandBuffer
    let ids: UnsafeMutablePointer<Int32>

    public init(shape: MoEShape, pool: WorkerPool, seed: UInt64 = 1) throws(KernelError) {
        let bad = shape.violations
        if !bad.isEmpty { throw .invalidShape(kernel: Self.family.rawValue, reason: bad.joined(separator: "; ")) }
        self.shape = shape; self.pool = pool
        var random = SplitMix64(seed: seed)
        let h = shape.hidden, f = shape.ffn, e = shape.experts
        x = OperandBuffer(count: shape.tokens * h, random: &random)
        gate = OperandBuffer(count: e * f * h, random: &random)
        up = OperandBuffer(count: e * f * h, random: &random)
        down = OperandBuffer(count: e * h * f, random: &random)
        let gs = 1 / Float(h).squareRoot(), ds = 1 / Float(f).squareRoot()
        for i in 0..<(e * f * h) { gate.pointer[i] *= gs; up.pointer[i] *= gs; down.pointer[i] *= ds }
        out = OperandBuffer(count: shape.tokens * h, random: &random, fill: false)
        routeWeights = OperandBuffer(count: shape.rows, random: &random)
        ids = .allocate(capacity: shape.rows)
        for t in 0..<shape.tokens {
            var total: Float = 0
            for j in 0..<shape.topK {
                var pick: Int32
                repeat {
                    pick = Int32(Int(abs(random.symmetric()) * Float(e)) % e)
                } while (0..<j).contains { ids[t * shape.topK + $0] == pick }
                ids[t * shape.topK + j] = pick
                let w = 1.5 + routeWeights.pointer[t * shape.topK + j]   // in [0.5, 2.5)
                routeWeights.pointer[t * shape.topK + j] = w
                total += w
            }
            for j in 0..<shape.topK { routeWeights.pointer[t * shape.topK + j] /= total }
        }
    }

    deinit { ids.deallocate() }

    public convenience init(shapeKey: String, pool: WorkerPool, seed: UInt64 = 1) throws(KernelError) {
        try self.init(ExpertGatherShape(key: shapeKey), pool: pool, seed: seed)
    }

    /// An instance of the contract's typed shape.
    public convenience init(_ s: ExpertGatherShape, pool: WorkerPool, seed: UInt64 = 1) throws(KernelError) {
        try self.init(shape: MoEShape(s), pool: pool, seed: seed)
    }

    public var shapeKey: String { "T=\(shape.tokens),h=\(shape.hidden),f=\(shape.ffn),e=\(shape.experts),k=\(shape.topK)" }
    /// Three matmuls per routed row: 2·(2·h·f) for gate and up, 2·f·h for down.
    public var flops: Double { 6 * Double(shape.rows) * Double(shape.hidden) * Double(shape.ffn) }
    /// Weights of the experts actually routed to (read once), x read, out written.
    public var bytes: Double {
        let used = Set((0..<shape.rows).map { ids[$0] }).count
        return 4 * (3 * Double(used) * Double(shape.hidden) * Double(shape.ffn) + 2 * Double(shape.tokens * shape.hidden))
    }

    public func searchSpace(on machine: MachineTraits) -> SearchSpace { ExpertGather.searchSpace(shape: shape, on: machine) }
    public func analyticalDefault(on machine: MachineTraits) -> ParameterSet { ExpertGather.analyticalDefault(shape: shape, on: machine) }

    public func run(_ params: ParameterSet) throws(KernelError) {
        out.pointer.update(repeating: 0, count: out.count)
        try ExpertGather.run(x: x.pointer, ids: ids, weights: routeWeights.pointer, gate: gate.pointer, up: up.pointer,
                             down: down.pointer, out: out.pointer, shape: shape, params: params, pool: pool)
    }

    public func verify(_ params: ParameterSet) throws(KernelError) -> Verification {
        try run(params)
        let all = Double(shape.rows) * Double(shape.hidden) * Double(shape.ffn) <= Double(1 << 26)
        let tokens = all ? Array(0..<shape.tokens) : Array(Set(Array(0..<min(8, shape.tokens)) + Array(max(0, shape.tokens - 8)..<shape.tokens))).sorted()
        let h = shape.hidden
        let ref = UnsafeMutablePointer<Float>.allocate(capacity: h)
        defer { ref.deallocate() }
        var worst = 0.0
        for t in tokens {
            ref.update(repeating: 0, count: h)
            let one = MoEShape(tokens: 1, hidden: h, ffn: shape.ffn, experts: shape.experts, topK: shape.topK)
            ExpertGather.reference(x: x.pointer + t * h, ids: ids + t * shape.topK, weights: routeWeights.pointer + t * shape.topK,
                                   gate: gate.pointer, up: up.pointer, down: down.pointer, out: ref, shape: one)
            worst = max(worst, relativeError(out.pointer + t * h, ref, rows: [0], width: h, stride: h))
        }
        return Verification(maxError: worst, bound: ExpertGather.errorBound(shape: shape))
    }
}
