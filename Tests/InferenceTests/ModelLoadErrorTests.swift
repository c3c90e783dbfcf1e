import Foundation
import Testing
import Inference
import Kernels
import Models

/// Bad model input is refused with a typed error naming the file and field, before the weights or the KV
/// cache are allocated.
@Suite("Model load errors")
struct ModelLoadErrorTests {
    /// A llama header (hidden 64, 1 layer, vocab 100, context 256) with one tensor, token_embd.weight, of
    /// ggml type `type` (a [64 × 100] matrix whose data the file holds).
    static func file(embeddingType type: GGUFTensorType) throws -> GGUFFile {
        var b = [UInt8]()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { b.append(contentsOf: $0) } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { b.append(contentsOf: $0) } }
        func string(_ s: String) { u64(UInt64(s.utf8.count)); b.append(contentsOf: s.utf8) }
        u32(0x4655_4747); u32(3); u64(1); u64(7)
        string("general.architecture"); u32(8); string("llama")
        for (k, v) in [("embedding_length", 64), ("feed_forward_length", 128), ("block_count", 1),
                       ("attention.head_count", 4), ("vocab_size", 100), ("context_length", 256)] {
            string("llama.\(k)"); u32(4); u32(UInt32(v))
        }
        let rows = 100, cols = 256   // a Q2_K row needs 256 values; the shape check comes after the type check
        string("token_embd.weight"); u32(2); u64(UInt64(cols)); u64(UInt64(rows)); u32(type.rawValue); u64(0)
        while b.count % 32 != 0 { b.append(0) }
        b += [UInt8](repeating: 0, count: rows * cols / type.blockElements * type.blockBytes)
        return try GGUFFile(bytes: b)
    }

    @Test("a matrix of a type the kernels do not read is refused naming the tensor's type field")
    func unsupportedTensorType() throws {
        let f = try Self.file(embeddingType: .q2_K)
        do {
            _ = try TransformerWeights(gguf: f)
            Issue.record("Q2_K accepted")
        } catch {
            guard case .model(let e) = error else { Issue.record("\(error)"); return }
            #expect(e.field == "tensor 'token_embd.weight'.type" && e.kind == .unsupported, "\(e)")
            #expect(e.found == "Q2_K")
        }
    }

    @Test("a tensor whose shape differs from the architecture's is refused naming its dims")
    func wrongShape() throws {
        let f = try Self.file(embeddingType: .q8_0)   // [256, 100], the architecture wants [64, 100]
        do {
            _ = try TransformerWeights(gguf: f)
            Issue.record("wrong shape accepted")
        } catch {
            guard case .model(let e) = error else { Issue.record("\(error)"); return }
            #expect(e.field == "tensor 'token_embd.weight'.dims", "\(e)")
        }
    }

    @Test("a context longer than <arch>.context_length is refused naming the file and key", .enabled(if: TestSupport.modelExists))
    func contextTooLong() throws {
        let plan = KernelPlan(config: nil, machine: TestSupport.traits, threads: 2)
        do {
            _ = try Engine(modelPath: TestSupport.modelPath, plan: plan, pool: TestSupport.pool, contextLength: 1 << 20)
            Issue.record("a 1M-token context accepted")
        } catch {
            guard case let .contextTooLong(requested, supported, file, field) = error else { Issue.record("\(error)"); return }
            #expect(requested == 1 << 20 && supported == 8192 && field == "llama.context_length" && file == TestSupport.modelPath)
        }
    }
}
