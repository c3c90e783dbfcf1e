/// The head geometry of grouped-query attention: `heads` query heads share `kvHeads` key/value heads
/// (`heads / kvHeads` query heads per group), each of `headDim` values.
///
/// Layouts used by every attention entry point: queries and outputs are `[tokens × heads × headDim]`,
/// the K and V caches `[positions × kvHeads × headDim]` (one row per position).
public struct AttentionShape: Hashable, Sendable, Codable {
    public var heads: Int
    public var kvHeads: Int
    public var headDim: Int

    public init(heads: Int, kvHeads: Int, headDim: Int) {
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDim = headDim
    }

    /// Query heads per key/value head.
    public var groupSize: Int { heads / max(1, kvHeads) }

    /// What is wrong with the geometry (empty when sound): sizes must be positive and `heads` a multiple
    /// of `kvHeads`.
    public var violations: [String] {
        var v: [String] = []
        if heads < 1 { v.append("heads must be at least 1, got \(heads)") }
        if kvHeads < 1 { v.append("kvHeads must be at least 1, got \(kvHeads)") }
        if headDim < 1 { v.append("headDim must be at least 1, got \(headDim)") }
        if heads >= 1, kvHeads >= 1, heads % kvHeads != 0 {
            v.append("heads (\(heads)) must be a multiple of kvHeads (\(kvHeads))")
        }
        return v
    }
}

extension AttentionShape {
    /// The head geometry of a contract shape.
    public init(_ s: AttentionPrefillShape) { self.init(heads: s.heads, kvHeads: s.kvHeads, headDim: s.headDim) }
    public init(_ s: AttentionDecodeShape) { self.init(heads: s.heads, kvHeads: s.kvHeads, headDim: s.headDim) }
}
