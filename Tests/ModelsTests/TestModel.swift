import Foundation
import Models

/// The default model file (installed by scripts/setup.sh into models/, git-ignored).
enum TestModel {
    static let path: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
    }()
    static var exists: Bool { FileManager.default.fileExists(atPath: path) }

    /// Parsed once and shared by the suites (parsing is cheap, but the tokenizer build is not free).
    static let file: GGUFFile? = try? GGUFFile(path: path)
    static let tokenizer: Tokenizer? = file.flatMap { try? Tokenizer(gguf: $0) }
}

/// The second model, Qwen2.5-Coder-0.5B-Instruct Q4_K_M (`scripts/fetch-qwen.sh`, run by scripts/setup.sh);
/// suites using it are skipped when it has not been fetched.
enum QwenModel {
    static let path: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent("models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf").path
    }()
    static var exists: Bool { FileManager.default.fileExists(atPath: path) }
    static let file: GGUFFile? = try? GGUFFile(path: path)
    static let tokenizer: Tokenizer? = file.flatMap { try? Tokenizer(gguf: $0) }
}

/// Writes small GGUF v3 files byte by byte, so tests can craft valid and malformed inputs.
struct GGUFBuilder {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func f32(_ v: Float) { u32(v.bitPattern) }
    mutating func string(_ s: String) { u64(UInt64(s.utf8.count)); bytes.append(contentsOf: s.utf8) }
    mutating func header(tensors: UInt64, kvs: UInt64) { u32(0x4655_4747); u32(3); u64(tensors); u64(kvs) }
    mutating func pad(to alignment: Int) { while bytes.count % alignment != 0 { bytes.append(0) } }

    /// A tensor info record.
    mutating func tensor(_ name: String, dims: [UInt64], type: UInt32, offset: UInt64) {
        string(name); u32(UInt32(dims.count)); for d in dims { u64(d) }; u32(type); u64(offset)
    }

    /// A minimal valid file: one F32 tensor "w" of `values`.
    static func oneTensor(_ values: [Float]) -> [UInt8] {
        var b = GGUFBuilder()
        b.header(tensors: 1, kvs: 1)
        b.string("general.architecture"); b.u32(8); b.string("test")
        b.tensor("w", dims: [UInt64(values.count)], type: 0, offset: 0)
        b.pad(to: 32)
        for v in values { b.f32(v) }
        return b.bytes
    }
}
