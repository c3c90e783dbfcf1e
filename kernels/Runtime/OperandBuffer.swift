#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Page-aligned operand buffers filled with deterministic values in [−1, 1) (SplitMix64), shared by the
/// attention and expert-gather benchmark instances.
final class OperandBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int, random: inout SplitMix64, fill: Bool = true) {
        self.count = count
        var raw: UnsafeMutableRawPointer? = nil
        let bytes = max(64, count * 4).roundedUp(toMultipleOf: 4096)
        if posix_memalign(&raw, 4096, bytes) != 0 || raw == nil { fatalError("cannot allocate \(bytes) bytes of operands") }
        pointer = raw!.bindMemory(to: Float.self, capacity: max(1, count))
        for i in 0..<count { pointer[i] = fill ? random.symmetric() : 0 }
    }

    deinit { free(pointer) }
}
