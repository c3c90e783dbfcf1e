#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Operand buffers (huge pages from 2 MiB, see `LargeBuffer`) filled with deterministic values in [−1, 1) (SplitMix64), shared by the
/// attention and expert-gather benchmark instances.
final class OperandBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int, random: inout SplitMix64, fill: Bool = true) {
        self.count = count
        guard let p = LargeBuffer.floats(count) else { fatalError("cannot allocate \(count) floats of operands") }
        pointer = p
        for i in 0..<count { pointer[i] = fill ? random.symmetric() : 0 }
    }

    deinit { free(pointer) }
}
