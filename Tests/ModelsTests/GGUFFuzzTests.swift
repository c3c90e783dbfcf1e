import Testing
import Models
import Kernels

@Suite("GGUF fuzz")
struct GGUFFuzzTests {
    static let iterations = 300

    /// Truncated and bit-flipped copies of the real file's header + metadata + tensor-info region (padded
    /// back to the file's size so tensor bounds stay checkable), and random headers. Any outcome is fine
    /// except a crash: a failure must be a GGUFError (typed throws guarantee its type; we check it
    /// carries a field name and a description).
    @Test("truncated, bit-flipped and random headers never crash and fail with a typed error",
          .enabled(if: TestModel.exists))
    func fuzzHeaders() throws {
        let real = try #require(TestModel.file)
        let regionSize = real.dataOffset
        let fileSize = real.dataOffset + real.tensors.map { $0.offset + $0.byteCount }.max()!
        let region = try readPrefix(TestModel.path, count: regionSize)
        var rng = SplitMix64(seed: 0x6B74_756E_65)
        var parsed = 0, failed = 0
        for i in 0..<Self.iterations {
            var bytes: [UInt8]
            var padded = fileSize
            switch i % 3 {
            case 0:  // truncation at a random point of the header region
                bytes = Array(region[0..<Int.random(in: 0..<regionSize, using: &rng)])
                padded = 0
            case 1:  // 1–8 bit flips, biased to the first 64 KiB where the structure is densest
                bytes = region
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    let limit = Bool.random(using: &rng) ? min(65_536, regionSize) : regionSize
                    let at = Int.random(in: 0..<limit, using: &rng)
                    bytes[at] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
                }
            default:  // a random header: magic + version kept half the time, random counts and bytes
                bytes = (0..<Int.random(in: 0..<256, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                if Bool.random(using: &rng), bytes.count >= 8 {
                    bytes.replaceSubrange(0..<8, with: [0x47, 0x47, 0x55, 0x46, 3, 0, 0, 0])
                }
                padded = 0
            }
            do {
                _ = try GGUFFile(bytes: bytes, paddedSize: padded)
                parsed += 1
            } catch {
                #expect(!error.field.isEmpty)
                #expect(!error.description.isEmpty)
                failed += 1
            }
        }
        #expect(parsed + failed == Self.iterations)
        #expect(failed > Self.iterations / 3)   // truncations and random headers must fail
    }

    private func readPrefix(_ path: String, count: Int) throws -> [UInt8] {
        // Read the raw bytes through C stdio (the reader exposes tensors, not its header bytes).
        guard let fp = fopen(path, "rb") else { throw GGUFError(.io, field: "file", expected: "readable", found: "fopen failed") }
        defer { fclose(fp) }
        var buf = [UInt8](repeating: 0, count: count)
        let n = buf.withUnsafeMutableBytes { fread($0.baseAddress, 1, count, fp) }
        return Array(buf[0..<n])
    }
}

#if canImport(Glibc)
import Glibc
#endif
