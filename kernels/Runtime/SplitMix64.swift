/// A small, seedable random-number generator (SplitMix64, Steele, Lea and Flood, OOPSLA 2014).
///
/// One generator for everything ktune makes from a seed: benchmark operands, synthetic model weights,
/// strategy choices (`--strategy-option seed=N`) and fuzz inputs, so every run is reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [-1, 1), with 24 random bits (every value exactly representable as a Float).
    @inline(__always)
    public mutating func symmetric() -> Float {
        Float(next() >> 40) / Float(1 << 24) * 2 - 1
    }
}
