/// The cache state a kernel's weight operand was timed in, recorded in journals and tuned configs.
///
/// `cold`: the instance rotates through copies of its weights whose total exceeds the last-level cache,
/// so every run streams the weights from memory, as one forward pass of a model does for decode-shaped
/// (few-row) work. `hot`: the same operands every run (cache-resident when they fit), what prefill-shaped
/// work sees since each weight block is reused across many rows.
public enum WeightCondition: String, Codable, Sendable, Hashable, CustomStringConvertible {
    case hot, cold
    public var description: String { rawValue }
}
