/// The pre-tokenizer of llama.cpp's `LLAMA_VOCAB_PRE_TYPE_QWEN2` (`tokenizer.ggml.pre = "qwen2"`), Qwen2's
/// `tokenizer.json` split
/// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
/// implemented by hand after llama.cpp's `unicode_regex_split_custom_llama3` (the Llama-3 split differs only
/// in `\p{N}{1,3}`; Qwen2 takes one number code point per piece).
///
/// The pieces cover the input exactly, in order: concatenating them gives the input back.
extension PreTokenizer {
    /// Splits `text` with the Qwen2 rules.
    public static func splitQwen2(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        let flags = scalars.map(Flags.init)
        var pieces: [String] = []
        qwen2Split(scalars, flags, maxDigits: 1) { r in
            var s = String.UnicodeScalarView()
            s.append(contentsOf: scalars[r])
            pieces.append(String(s))
        }
        return pieces
    }

    /// The Llama-3-style split of `cpts` with number runs cut every `maxDigits` code points.
    static func qwen2Split(_ cpts: [Unicode.Scalar], _ flagsArray: [Flags], maxDigits: Int, _ emit: (Range<Int>) -> Void) {
        let end = cpts.count
        let none = Flags()
        func flags(_ i: Int) -> Flags { i < end ? flagsArray[i] : none }
        func cpt(_ i: Int) -> UInt32? { i < end ? cpts[i].value : nil }
        func lower(_ c: UInt32?) -> UInt32? {
            guard let c else { return nil }
            return (0x41...0x5A).contains(c) ? c + 0x20 : c
        }
        let cr: UInt32 = 0x0D, lf: UInt32 = 0x0A, space: UInt32 = 0x20, apostrophe: UInt32 = 0x27
        var pos = 0, tokenStart = 0
        func add(_ to: Int) {
            if to > tokenStart { emit(tokenStart..<to) }
            tokenStart = to
        }
        while pos < end {
            let c = cpts[pos].value
            let f = flags(pos)
            // (?i:'s|'t|'re|'ve|'m|'ll|'d)
            if c == apostrophe, let n = lower(cpt(pos + 1)) {
                if n == 0x73 || n == 0x74 || n == 0x6D || n == 0x64 {   // s t m d
                    pos += 2; add(pos); continue
                }
                if let nn = lower(cpt(pos + 2)),
                   (n == 0x72 && nn == 0x65) || (n == 0x76 && nn == 0x65) || (n == 0x6C && nn == 0x6C) {  // re ve ll
                    pos += 3; add(pos); continue
                }
            }
            // [^\r\n\p{L}\p{N}]?\p{L}+
            if !(c == cr || c == lf || f.number), f.letter || flags(pos + 1).letter {
                pos += 1
                while flags(pos).letter { pos += 1 }
                add(pos); continue
            }
            // \p{N}{1,maxDigits}
            if f.number {
                var run = 0
                while flags(pos).number && run < maxDigits { pos += 1; run += 1 }
                add(pos); continue
            }
            //  ?[^\s\p{L}\p{N}]+[\r\n]*
            var f2 = c == space ? flags(pos + 1) : f
            if !(f2.whitespace || f2.letter || f2.number) && f2.defined {
                if c == space { pos += 1 }
                while !(f2.whitespace || f2.letter || f2.number) && f2.defined { pos += 1; f2 = flags(pos) }
                while let c2 = cpt(pos), c2 == cr || c2 == lf { pos += 1 }
                add(pos); continue
            }
            var spaces = 0, lastNewlineEnd = 0
            while flags(pos + spaces).whitespace {
                if let c2 = cpt(pos + spaces), c2 == cr || c2 == lf { lastNewlineEnd = pos + spaces + 1 }
                spaces += 1
            }
            // \s*[\r\n]+
            if lastNewlineEnd > 0 { pos = lastNewlineEnd; add(pos); continue }
            // \s+(?!\S)
            if spaces > 1 && cpt(pos + spaces) != nil { pos += spaces - 1; add(pos); continue }
            // \s+
            if spaces > 0 { pos += spaces; add(pos); continue }
            // No rule matches (e.g. an unassigned code point): a piece of its own.
            pos += 1
            add(pos)
        }
    }
}
