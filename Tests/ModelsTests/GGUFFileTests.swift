import Testing
import Models

@Suite("GGUF reader")
struct GGUFFileTests {
    @Test("the default model's header, metadata and tensor table read as llama.cpp's gguf-py reads them",
          .enabled(if: TestModel.exists))
    func realFileHeaderAndMetadata() throws {
        let f = try #require(TestModel.file)
        #expect(f.version == 3)
        #expect(f.tensors.count == 272)
        #expect(f.metadata.count == 33)
        #expect(f.alignment == 32)
        #expect(try f.string("general.architecture") == "llama")
        #expect(try f.int("llama.block_count") == 30)
        #expect(try f.int("llama.attention.head_count_kv") == 3)
        #expect(try f.double("llama.rope.freq_base") == 100_000)
        #expect(try f.array("tokenizer.ggml.tokens", of: .string).count == 49_152)
        #expect(try f.array("tokenizer.ggml.merges", of: .string).count == 48_900)
        let e = try f.tensor("token_embd.weight")
        #expect(e.type == .q8_0)
        #expect(e.dimensions == [576, 49_152])
        #expect(f.dataOffset + e.offset == 1_785_664)   // gguf-py reports absolute offsets
        #expect(try f.tensor("blk.0.ffn_down.weight").dimensions == [1536, 576])
        #expect(!f.hasTensor("output.weight"))
    }

    /// Expected values from gguf-py 0.19 (`gguf.quants.dequantize`) on the same file.
    @Test("Q4_1, Q8_0 and F32 dequantize to the values gguf-py computes", .enabled(if: TestModel.exists))
    func dequantizationMatchesGGUFPy() throws {
        let f = try #require(TestModel.file)
        let q = try f.dequantize(f.tensor("blk.0.attn_q.weight"))
        #expect(Array(q[0..<4]) == [-0.0963134765625, 0.1573486328125, -0.0963134765625, -0.73046875])
        let row1 = q[576..<1152].reduce(0.0) { $0 + Double($1) }
        #expect(abs(row1 - -0.71209716796875) < 1e-9)
        let absSum = q.reduce(0.0) { $0 + Double(abs($1)) }
        #expect(abs(absSum - 63395.39872741699) < 1e-6)

        let embd = try f.tensor("token_embd.weight")
        var row = [Float](repeating: 0, count: 576)
        try row.withUnsafeMutableBufferPointer { try f.dequantize(embd, rows: 6403..<6404, into: $0.baseAddress!) }
        #expect(Array(row[0..<4]) == [0.08735275268554688, 0.035968780517578125, 0.09506034851074219, -0.041107177734375])
        #expect(abs(row.reduce(0.0) { $0 + Double($1) } - 0.27147483825683594) < 1e-9)

        let norm = try f.dequantize(f.tensor("blk.0.attn_norm.weight"))
        #expect(Array(norm[0..<3]) == [0.01397705078125, 0.0238037109375, -0.019775390625])
    }

    @Test("every metadata value type, nested arrays included, reads back")
    func allValueTypesRoundTrip() throws {
        var b = GGUFBuilder()
        b.header(tensors: 0, kvs: 13)
        b.string("u8"); b.u32(0); b.u8(200)
        b.string("i8"); b.u32(1); b.u8(0xFF)
        b.string("u16"); b.u32(2); b.u8(0x34); b.u8(0x12)
        b.string("i16"); b.u32(3); b.u8(0xFE); b.u8(0xFF)
        b.string("u32"); b.u32(4); b.u32(4_000_000_000)
        b.string("i32"); b.u32(5); b.u32(UInt32(bitPattern: -7))
        b.string("f32"); b.u32(6); b.f32(1.5)
        b.string("bool"); b.u32(7); b.u8(1)
        b.string("str"); b.u32(8); b.string("héllo")
        b.string("arr"); b.u32(9); b.u32(9); b.u64(2)         // array of arrays of u8
        b.u32(0); b.u64(2); b.u8(1); b.u8(2)
        b.u32(0); b.u64(0)
        b.string("u64"); b.u32(10); b.u64(1 << 40)
        b.string("i64"); b.u32(11); b.u64(UInt64(bitPattern: -3))
        b.string("f64"); b.u32(12); b.u64(2.25.bitPattern)
        let f = try GGUFFile(bytes: b.bytes)
        #expect(f["u8"] == .uint8(200))
        #expect(f["i8"] == .int8(-1))
        #expect(f["u16"] == .uint16(0x1234))
        #expect(f["i16"] == .int16(-2))
        #expect(f["u32"] == .uint32(4_000_000_000))
        #expect(f["i32"] == .int32(-7))
        #expect(f["f32"] == .float32(1.5))
        #expect(f["bool"] == .bool(true))
        #expect(f["str"] == .string("héllo"))
        #expect(f["arr"] == .array(.array, [.array(.uint8, [.uint8(1), .uint8(2)]), .array(.uint8, [])]))
        #expect(f["u64"] == .uint64(1 << 40))
        #expect(f["i64"] == .int64(-3))
        #expect(f["f64"] == .float64(2.25))
        #expect(f.tensors.isEmpty)
    }

    @Test("a minimal file with one F32 tensor maps its data")
    func minimalTensorFile() throws {
        let f = try GGUFFile(bytes: GGUFBuilder.oneTensor([1, 2, 3, 4]))
        #expect(try f.dequantize(f.tensor("w")) == [1, 2, 3, 4])
        var forged = try f.tensor("w")
        forged.offset = 1 << 40
        #expect(throws: GGUFError.self) { try f.dequantize(forged) }
    }

    /// Each crafted file must fail with the named field.
    @Test("crafted files fail with an error naming the field", arguments: [
        ("bad magic", "header.magic", GGUFError.Kind.invalid),
        ("version 9", "header.version", .unsupported),
        ("tensor count beyond the file", "header.tensor_count", .invalid),
        ("string length beyond the file", "kv[0].key.length", .invalid),
        ("unknown value type", "kv[0] 'k'.type", .invalid),
        ("rank 5", "tensor[0] 'w'.n_dims", .invalid),
        ("dimension 0", "tensor[0] 'w'.dims[0]", .invalid),
        ("dimensions overflow", "tensor[0] 'w'.dims", .overflow),
        ("unknown tensor type", "tensor[0] 'w'.type", .invalid),
        ("row not a block multiple", "tensor[0] 'w'.dims[0]", .invalid),
        ("unaligned offset", "tensor[0] 'w'.offset", .invalid),
        ("data beyond the file", "tensor[0] 'w'.offset", .truncated),
        ("alignment not a power of two", "general.alignment", .invalid),
        ("duplicate key", "kv[1].key", .invalid),
        ("bool 2", "kv[0] 'k'", .invalid),
        ("array count beyond the file", "kv[0] 'k'.count", .invalid),
        ("overlapping tensors", "tensor[1] 'v'.offset", .invalid),
    ])
    func craftedFilesFail(_ testCase: (String, String, GGUFError.Kind)) throws {
        let (name, field, kind) = testCase
        var b = GGUFBuilder()
        switch name {
        case "bad magic": b.u32(0x4655_4746); b.u32(3); b.u64(0); b.u64(0)
        case "version 9": b.u32(0x4655_4747); b.u32(9); b.u64(0); b.u64(0)
        case "tensor count beyond the file": b.header(tensors: UInt64.max / 2, kvs: 0)
        case "string length beyond the file": b.header(tensors: 0, kvs: 1); b.u64(1 << 62); b.bytes += [UInt8](repeating: 65, count: 20)
        case "unknown value type": b.header(tensors: 0, kvs: 1); b.string("k"); b.u32(13); b.u64(0)
        case "rank 5": b.header(tensors: 1, kvs: 0); b.tensor("w", dims: [1, 1, 1, 1, 1], type: 0, offset: 0)
        case "dimension 0": b.header(tensors: 1, kvs: 0); b.tensor("w", dims: [0], type: 0, offset: 0)
        case "dimensions overflow": b.header(tensors: 1, kvs: 0); b.tensor("w", dims: [1 << 32, 1 << 32], type: 0, offset: 0)
        case "unknown tensor type": b.header(tensors: 1, kvs: 0); b.tensor("w", dims: [4], type: 99, offset: 0)
        case "row not a block multiple": b.header(tensors: 1, kvs: 0); b.tensor("w", dims: [33], type: 3, offset: 0)
        case "unaligned offset": b.header(tensors: 1, kvs: 0); b.tensor("w", dims: [1], type: 0, offset: 4); b.pad(to: 32); b.u64(0); b.u64(0)
        case "data beyond the file": b.header(tensors: 1, kvs: 0); b.tensor("w", dims: [1024], type: 0, offset: 0); b.pad(to: 32)
        case "alignment not a power of two": b.header(tensors: 0, kvs: 1); b.string("general.alignment"); b.u32(4); b.u32(24)
        case "duplicate key": b.header(tensors: 0, kvs: 2); b.string("k"); b.u32(4); b.u32(1); b.string("k"); b.u32(4); b.u32(1)
        case "bool 2": b.header(tensors: 0, kvs: 1); b.string("k"); b.u32(7); b.u8(2)
        case "array count beyond the file": b.header(tensors: 0, kvs: 1); b.string("k"); b.u32(9); b.u32(8); b.u64(1 << 40)
        case "overlapping tensors":   // 'w' (8 F32 = 32 bytes at 0) and 'v' inside it at 0: sizes inconsistent with types
            b.header(tensors: 2, kvs: 0); b.tensor("w", dims: [8], type: 0, offset: 0); b.tensor("v", dims: [8], type: 0, offset: 0)
            b.pad(to: 32); for _ in 0..<8 { b.f32(0) }
        default: Issue.record("unknown case \(name)")
        }
        do {
            _ = try GGUFFile(bytes: b.bytes)
            Issue.record("\(name): parsed without error")
        } catch {
            #expect(error.field == field, "\(name): \(error)")
            #expect(error.kind == kind, "\(name): \(error)")
        }
    }

    @Test("a missing file is an io error naming the path")
    func missingFile() {
        #expect(throws: GGUFError.self) { try GGUFFile(path: "/nonexistent/model.gguf") }
        do { _ = try GGUFFile(path: "/nonexistent/model.gguf") } catch {
            #expect(error.kind == .io)
            #expect(error.description.contains("/nonexistent/model.gguf"))
        }
    }
}

extension GGUFFileTests {
    @Test("the architecture read from the default model's metadata is SmolLM2-135M's", .enabled(if: TestModel.exists))
    func modelConfigFromMetadata() throws {
        let c = try ModelConfig(gguf: try #require(TestModel.file))
        #expect(c.hiddenSize == 576 && c.intermediateSize == 1536 && c.numHiddenLayers == 30)
        #expect(c.numAttentionHeads == 9 && c.numKeyValueHeads == 3 && c.resolvedHeadDim == 64)
        #expect(c.vocabSize == 49_152 && c.ropeTheta == 100_000 && abs(c.rmsNormEps - 1e-5) < 1e-9)
        #expect(c.tieWordEmbeddings == true)
    }
}

extension GGUFFileTests {
    /// A header with an architecture's metadata and no tensors.
    static func architectureFile(_ arch: String) -> [UInt8] {
        var b = GGUFBuilder()
        b.header(tensors: 0, kvs: 7)
        b.string("general.architecture"); b.u32(8); b.string(arch)
        for (k, v) in [("embedding_length", 64), ("feed_forward_length", 128), ("block_count", 1),
                       ("attention.head_count", 4), ("vocab_size", 100), ("context_length", 256)] {
            b.string("\(arch).\(k)"); b.u32(4); b.u32(UInt32(v))
        }
        return b.bytes
    }

    @Test("llama and qwen2 architectures are read; another one is refused naming general.architecture")
    func architectures() throws {
        let qwen = try ModelConfig(gguf: GGUFFile(bytes: Self.architectureFile("qwen2")))
        #expect(qwen.modelType == "qwen2" && qwen.ropeNeoX && qwen.attentionBias && qwen.maxPositionEmbeddings == 256)
        let llama = try ModelConfig(gguf: GGUFFile(bytes: Self.architectureFile("llama")))
        #expect(!llama.ropeNeoX && !llama.attentionBias)
        do {
            _ = try ModelConfig(gguf: GGUFFile(bytes: Self.architectureFile("gpt2")))
            Issue.record("gpt2 accepted")
        } catch {
            #expect(error.field == "general.architecture" && error.kind == .unsupported, "\(error)")
            #expect(error.found == "\"gpt2\"")
        }
    }
}
