import Testing
import Models

/// Qwen2's tokenizer (`tokenizer.ggml.pre = "qwen2"`). Expected pieces and ids come from an independent
/// Python reference: the `regex` module running Qwen2's own `tokenizer.json` pattern
/// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
/// then byte-level BPE by merge rank over the file's `tokenizer.ggml.merges`.
@Suite("Qwen2 tokenizer", .enabled(if: QwenModel.exists, "fetch the model with scripts/fetch-qwen.sh"))
struct QwenTokenizerTests {
    var tok: Tokenizer { get throws { try #require(QwenModel.tokenizer) } }

    static let cases: [(text: String, pieces: [String], ids: [Int32])] = [
        ("What is the capital of France?", ["What", " is", " the", " capital", " of", " France", "?"],
         [3838, 374, 279, 6722, 315, 9625, 30]),
        ("I'm 12345 ok", ["I", "'m", " ", "1", "2", "3", "4", "5", " ok"], [40, 2776, 220, 16, 17, 18, 19, 20, 5394]),
        ("a   b", ["a", "  ", " b"], [64, 256, 293]),
        ("x  \n\n y", ["x", "  \n\n", " y"], [87, 18611, 379]),
        ("Hi!! you'RE", ["Hi", "!!", " you", "'RE"], [13048, 2928, 498, 94153]),
        ("日本語 テスト", ["日本語", " テスト"], [101059, 102819, 20711, 228, 70534]),
        ("def f(x):\n    return x**2\n", ["def", " f", "(x", "):\n", "   ", " return", " x", "**", "2", "\n"],
         [750, 282, 2075, 982, 262, 470, 856, 334, 17, 198]),
        ("  leading", [" ", " leading"], [220, 6388]),
        ("tab\there\r\nend", ["tab", "\there", "\r\n", "end"], [6192, 197, 6739, 319, 408]),
    ]

    @Test("the qwen2 pre-tokenizer splits as Qwen2's regex does, and BPE gives the reference ids")
    func matchesReference() throws {
        let t = try tok
        #expect(t.preSplit == .qwen2)
        for c in Self.cases {
            #expect(PreTokenizer.split(c.text, kind: .qwen2) == c.pieces, "pieces of \(c.text.debugDescription)")
            #expect(t.encode(c.text) == c.ids, "ids of \(c.text.debugDescription)")
            #expect(t.decode(c.ids) == c.text)
        }
    }

    @Test("ChatML control tokens, end of turn as end of sequence, Qwen's default system message")
    func chatTokens() throws {
        let t = try tok
        let imStart = try #require(t.id(of: "<|im_start|>")), imEnd = try #require(t.id(of: "<|im_end|>"))
        #expect(t.eos == imEnd && !t.addBOS)
        let ids = t.encode("<|im_start|>user\nHi<|im_end|>")
        #expect(ids.first == imStart && ids.last == imEnd)
        let jinja = try #require(t.chatTemplate)
        let template = try #require(ChatTemplate(jinja: jinja))
        #expect(template.defaultSystem == "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.")
    }
}
