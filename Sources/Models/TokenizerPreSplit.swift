/// The pre-tokenizer of llama.cpp's `LLAMA_VOCAB_PRE_TYPE_SMOLLM` (shared with StarCoder/Refact),
/// implemented by hand instead of with a regex engine:
///
/// 1. `\p{N}` — every number code point becomes a piece of its own (Hugging Face `Digits(individual_digits)`).
/// 2. In each remaining piece, GPT-2's split
///    `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`,
///    transcribed from llama.cpp's `unicode_regex_split_custom_gpt2` (the lookahead means a whitespace run
///    followed by a non-space leaves its last space to prefix the next word).
///
/// The pieces cover the input exactly, in order: concatenating them gives the input back.
public enum PreTokenizer {
    /// The pre-tokenizers implemented, by the `tokenizer.ggml.pre` values that select them.
    public enum Kind: Sendable, Equatable {
        /// smollm, starcoder, refact, gpt-2: digits one by one, then GPT-2's split.
        case smollm
        /// qwen2: Llama-3's split with single-digit numbers.
        case qwen2
    }

    /// Splits `text` with the pre-tokenizer `kind`.
    public static func split(_ text: String, kind: Kind) -> [String] {
        switch kind {
        case .smollm: return split(text)
        case .qwen2: return splitQwen2(text)
        }
    }

    /// Unicode category classes the split needs.
    struct Flags: Equatable {
        var letter = false, number = false, whitespace = false
        /// Assigned code point (llama.cpp gives unassigned ones no flags at all).
        var defined = false

        init() {}

        init(_ s: Unicode.Scalar) {
            // \s in llama.cpp is the Unicode White_Space set, which is what isWhitespace tests.
            whitespace = s.properties.isWhitespace
            switch s.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
                letter = true
            case .decimalNumber, .letterNumber, .otherNumber:
                number = true
            case .unassigned:
                defined = whitespace
                return
            default:
                break
            }
            defined = true
        }
    }

    /// Splits `text` into pre-tokens.
    public static func split(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        let flags = scalars.map(Flags.init)
        var pieces: [String] = []
        // Step 1: isolate number code points.
        var start = 0
        func emitGPT2(_ range: Range<Int>) {
            guard !range.isEmpty else { return }
            gpt2Split(scalars, flags, range) { r in
                var s = String.UnicodeScalarView()
                s.append(contentsOf: scalars[r])
                pieces.append(String(s))
            }
        }
        for i in scalars.indices where flags[i].number {
            emitGPT2(start..<i)
            emitGPT2(i..<(i + 1))
            start = i + 1
        }
        emitGPT2(start..<scalars.count)
        return pieces
    }

    /// GPT-2's split of `scalars[range]`, calling `emit` with each piece's range.
    static func gpt2Split(_ cpts: [Unicode.Scalar], _ flagsArray: [Flags], _ range: Range<Int>,
                          _ emit: (Range<Int>) -> Void) {
        let end = range.upperBound
        let none = Flags()
        func flags(_ i: Int) -> Flags { i < end ? flagsArray[i] : none }
        func cpt(_ i: Int) -> UInt32? { i < end ? cpts[i].value : nil }
        var pos = range.lowerBound
        var tokenStart = pos
        func add(_ to: Int) {
            emit(tokenStart..<to)
            tokenStart = to
        }
        let apostrophe: UInt32 = 0x27, space: UInt32 = 0x20
        while pos < end {
            let c = cpts[pos].value
            let f = flags(pos)
            // 's|'t|'re|'ve|'m|'ll|'d
            if c == apostrophe, let n = cpt(pos + 1) {
                if n == 0x73 || n == 0x74 || n == 0x6D || n == 0x64 {   // s t m d
                    pos += 2; add(pos); continue
                }
                if let nn = cpt(pos + 2),
                   (n == 0x72 && nn == 0x65) || (n == 0x76 && nn == 0x65) || (n == 0x6C && nn == 0x6C) {  // re ve ll
                    pos += 3; add(pos); continue
                }
            }
            var f2 = c == space ? flags(pos + 1) : f
            //  ?\p{L}+
            if f2.letter {
                if c == space { pos += 1 }
                while f2.letter { pos += 1; f2 = flags(pos) }
                add(pos); continue
            }
            //  ?\p{N}+
            if f2.number {
                if c == space { pos += 1 }
                while f2.number { pos += 1; f2 = flags(pos) }
                add(pos); continue
            }
            //  ?[^\s\p{L}\p{N}]+
            if !(f2.whitespace || f2.letter || f2.number) && f2.defined {
                if c == space { pos += 1 }
                while !(f2.whitespace || f2.letter || f2.number) && f2.defined { pos += 1; f2 = flags(pos) }
                add(pos); continue
            }
            var spaces = 0
            while flags(pos + spaces).whitespace { spaces += 1 }
            // \s+(?!\S)
            if spaces > 1 && cpt(pos + spaces) != nil {
                pos += spaces - 1; add(pos); continue
            }
            // \s+
            if spaces > 0 {
                pos += spaces; add(pos); continue
            }
            // No rule matches (e.g. an unassigned code point): a piece of its own.
            pos += 1
            add(pos)
        }
    }
}
