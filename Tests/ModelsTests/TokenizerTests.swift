import Testing
import Models
import Kernels

@Suite("Tokenizer", .enabled(if: TestModel.exists))
struct TokenizerTests {
    var tok: Tokenizer { get throws { try #require(TestModel.tokenizer) } }

    @Test("\"Once upon a time\" encodes to [6403, 1980, 253, 655] as llama.cpp does")
    func onceUponATime() throws {
        #expect(try tok.encode("Once upon a time") == [6403, 1980, 253, 655])
    }

    /// Expected ids from the Hugging Face tokenizer of SmolLM2-135M-Instruct (digits split one by one,
    /// whitespace runs keep their last space for the next word, contractions split off).
    @Test("digits split individually, contractions and whitespace runs split as GPT-2's regex does")
    func preTokenizerSplits() throws {
        #expect(PreTokenizer.split("I'm 12345 ok") == ["I", "'m", " ", "1", "2", "3", "4", "5", " ok"])
        #expect(PreTokenizer.split("a   b") == ["a", "  ", " b"])
        #expect(PreTokenizer.split("x  \n") == ["x", "  \n"])
        #expect(PreTokenizer.split("Hi!! you're") == ["Hi", "!!", " you", "'re"])
        #expect(PreTokenizer.split("日本語 テスト") == ["日本語", " テスト"])
        #expect(PreTokenizer.split("") == [])
    }

    @Test("control tokens in the text become single tokens before BPE")
    func specialTokens() throws {
        let t = try tok
        let ids = t.encode("<|im_start|>user\nHi<|im_end|>")
        #expect(ids.first == 1)
        #expect(ids.last == 2)
        #expect(t.isControl(1) && t.isControl(2))
        #expect(!t.encode("<|im_start|>", parseSpecial: false).contains(1))
        #expect(t.decode(ids) == "<|im_start|>user\nHi<|im_end|>")
        #expect(t.bos == 1 && t.eos == 2 && !t.addBOS)
    }

    @Test("the ChatML template from the file renders SmolLM's default system message")
    func chatTemplate() throws {
        let t = try tok
        let jinja = try #require(t.chatTemplate)
        let template = try #require(ChatTemplate(jinja: jinja))
        #expect(template.defaultSystem == "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
        let prompt = template.render([.init(role: "user", content: "Hi")])
        #expect(prompt == "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        let withSystem = template.render([.init(role: "system", content: "S"), .init(role: "user", content: "U")])
        #expect(withSystem.hasPrefix("<|im_start|>system\nS<|im_end|>\n"))
    }

    @Test("decode(encode(s)) == s for random text with emoji, CJK, accents, digits and whitespace runs")
    func roundTripProperty() throws {
        let t = try tok
        let alphabet: [String] = ["a", "Z", "é", "ß", "日", "本", "語", "한", "😀", "👩‍👩‍👧", "🇫🇷", " ", "  ", "\n", "\t",
                                  "\r\n", "1", "٣", "'s", "'", "!", "?", "…", "—", "\u{0301}", "\u{200B}", "\u{00A0}",
                                  "<", "|", "im_start", "\u{E000}", "\u{10FFFF}", "Ω", "ﬁ", "x"]
        var rng = SplitMix64(seed: 42)
        for _ in 0..<200 {
            let n = Int.random(in: 0...24, using: &rng)
            let s = (0..<n).map { _ in alphabet.randomElement(using: &rng)! }.joined()
            let ids = t.encode(s)
            #expect(t.decode(ids) == s, "round trip of \(s.debugDescription) via \(ids)")
            #expect(t.decodeBytes(ids) == Array(s.utf8))
        }
    }

    @Test("the streaming decoder holds back split UTF-8 sequences")
    func streamingDecoder() {
        var d = UTF8StreamDecoder()
        let bytes = Array("a😀b".utf8)
        var out = ""
        for b in bytes { out += d.push([b]) }
        out += d.flush()
        #expect(out == "a😀b")
        var d2 = UTF8StreamDecoder()
        #expect(d2.push(Array(bytes[0..<3])) == "a")
    }
}

extension TokenizerTests {
    @Test("bytes without a vocabulary symbol (e.g. U+0004) encode as the unknown token")
    func unrepresentableBytes() throws {
        let t = try tok
        #expect(t.encode("a\u{04}b") == [t.encode("a")[0], t.unknown, t.encode("b")[0]])
    }
}
