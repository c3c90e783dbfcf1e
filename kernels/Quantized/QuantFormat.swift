/// A GGML weight block format the quantized matmul reads directly (GGUF tensor type ids, `enum ggml_type`).
///
/// Block layouts follow ggml's `ggml-common.h` (`block_q8_0`, `block_q4_K`, ...) and are checked bit for
/// bit against gguf-py 0.19.0's `gguf.quants.dequantize` in the tests:
///
/// | format | values/block | bytes/block | layout |
/// | --- | --- | --- | --- |
/// | Q8_0 | 32 | 34 | fp16 d, int8 q[32]; x = d·q |
/// | Q4_0 | 32 | 18 | fp16 d, q[16] nibbles (low: x[0..15], high: x[16..31]); x = d·(q − 8) |
/// | Q4_1 | 32 | 20 | fp16 d, fp16 m, q[16] nibbles; x = d·q + m |
/// | Q5_0 | 32 | 22 | fp16 d, uint32 qh (bit j = 5th bit of x[j]), q[16] nibbles; x = d·(q − 16) |
/// | Q4_K | 256 | 144 | fp16 d, fp16 dmin, scales[12] (8 × 6-bit scale, 8 × 6-bit min), q[128] nibbles; 8 sub-blocks of 32: x = d·sc·q − dmin·m |
/// | Q6_K | 256 | 210 | ql[128] low 4 bits, qh[64] high 2 bits, int8 scales[16] (per 16 values), fp16 d; x = d·sc·(q − 32) |
/// | F16 | 1 | 2 | IEEE half |
/// | BF16 | 1 | 2 | bfloat16 (upper half of an FP32) |
public enum QuantFormat: UInt32, Sendable, CaseIterable, Codable, CustomStringConvertible {
    case f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q8_0 = 8, q4_K = 12, q6_K = 14, bf16 = 30

    /// The format of a GGUF tensor type id; throws `unknownType` for ids this kernel does not read.
    public init(ggmlType: UInt32) throws(QuantizedMatrixError) {
        guard let f = QuantFormat(rawValue: ggmlType) else { throw .unknownType(id: ggmlType) }
        self = f
    }

    /// Parses a lower-case or GGML name ("q4_k", "Q4_K", "bf16").
    public init?(name: String) {
        guard let f = QuantFormat.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = f
    }

    /// The ggml type id stored in GGUF tensor infos.
    public var ggmlType: UInt32 { rawValue }

    /// Values per block (a row's length must be a multiple of it).
    public var blockElements: Int {
        switch self {
        case .f16, .bf16: return 1
        case .q4_0, .q4_1, .q5_0, .q8_0: return 32
        case .q4_K, .q6_K: return 256
        }
    }

    /// Bytes per block (ggml's `type_size`).
    public var blockBytes: Int {
        switch self {
        case .f16, .bf16: return 2
        case .q4_0: return 18
        case .q4_1: return 20
        case .q5_0: return 22
        case .q8_0: return 34
        case .q4_K: return 144
        case .q6_K: return 210
        }
    }

    /// Required alignment of the first block: every block starts with (or holds) 2-byte fp16 fields, so
    /// a GGUF tensor (32-byte aligned by default) always satisfies it.
    public var alignment: Int { 2 }

    /// Whether the int8-activation (integer dot product) mode applies: formats whose values are a small
    /// unsigned integer times a scale plus an offset. F16/BF16 only run with FP32 activations.
    public var hasIntegerValues: Bool { self != .f16 && self != .bf16 }

    /// Bytes of one row of `cols` values (`cols` a multiple of `blockElements`).
    public func rowBytes(cols: Int) -> Int { cols / blockElements * blockBytes }

    /// Lower-case name used in family ids and on the command line ("q4_k").
    public var name: String { description.lowercased() }

    public var description: String {
        switch self {
        case .f16: return "F16"
        case .bf16: return "BF16"
        case .q4_0: return "Q4_0"
        case .q4_1: return "Q4_1"
        case .q5_0: return "Q5_0"
        case .q8_0: return "Q8_0"
        case .q4_K: return "Q4_K"
        case .q6_K: return "Q6_K"
        }
    }
}

extension QuantFormat {
    /// The contract's shape type of this format's `matmul.<format>` family (its id, grammar and bytes).
    public var shapeType: any QuantMatmulShape.Type {
        switch self {
        case .f16: return QuantMatmulShapeF16.self
        case .bf16: return QuantMatmulShapeBF16.self
        case .q4_0: return QuantMatmulShapeQ4_0.self
        case .q4_1: return QuantMatmulShapeQ4_1.self
        case .q5_0: return QuantMatmulShapeQ5_0.self
        case .q8_0: return QuantMatmulShapeQ8_0.self
        case .q4_K: return QuantMatmulShapeQ4_K.self
        case .q6_K: return QuantMatmulShapeQ6_K.self
        }
    }
}
