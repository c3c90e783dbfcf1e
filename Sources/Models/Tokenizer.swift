/// A byte-level BPE tokenizer (GPT-2 style) built from a GGUF file's `tokenizer.ggml.*` metadata.
///
/// Encoding: control tokens (`<|im_start|>`, `<|im_end|>`, ...) are matched in the raw text first
/// (longest first); the rest is split by `PreTokenizer`, each piece's UTF-8 bytes are mapped through
/// `ByteLevelMap`, and adjacent symbols are merged by lowest merge rank until no merge applies.
/// Decoding inverts the byte mapping, so `decode(encode(s)) == s` for every string whose bytes all have
/// a symbol in the vocabulary (for SmolLM2: all UTF-8 text except six C0 control characters, see `init`).
public struct Tokenizer: Sendable {
    /// Token id type (ggml's `llama_token`).
    public typealias ID = Int32

    /// ggml token types (`tokenizer.ggml.token_type`).
    public enum TokenType: Int32, Sendable {
        case undefined = 0, normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    public let tokens: [String]
    public let tokenTypes: [TokenType]
    /// Beginning/end of sequence (`tokenizer.ggml.bos_token_id` / `eos_token_id`).
    public let bos: ID
    public let eos: ID
    /// Stands for a byte the vocabulary has no symbol for (`tokenizer.ggml.unknown_token_id`).
    public let unknown: ID
    /// Whether a prompt should start with `bos` (`tokenizer.ggml.add_bos_token`, default false).
    public let addBOS: Bool
    /// The chat template text from the file, if any.
    public let chatTemplate: String?
    /// The pre-tokenizer `tokenizer.ggml.pre` names.
    public let preSplit: PreTokenizer.Kind

    private let idForToken: [String: ID]
    /// (left << 32 | right) → (rank, merged id).
    private let merges: [UInt64: (rank: Int32, merged: ID)]
    /// The token for each byte's mapped code point.
    private let byteToken: [ID]
    /// Control and user-defined tokens, longest text first, and how to find them in a prompt.
    private let specials: SpecialTokenPartition
    private let byteMap = ByteLevelMap()

    public var vocabularySize: Int { tokens.count }

    /// Builds the tokenizer from `tokenizer.ggml.{model,tokens,token_type,merges,bos_token_id,eos_token_id}`.
    public init(gguf: GGUFFile) throws(GGUFError) {
        let model = try gguf.string("tokenizer.ggml.model")
        guard model == "gpt2" else {
            throw GGUFError(.unsupported, field: "tokenizer.ggml.model", expected: "\"gpt2\" (byte-level BPE)", found: "\"\(model)\"", path: gguf.path)
        }
        let pre = gguf["tokenizer.ggml.pre"]?.stringValue ?? "default"
        switch pre {
        case "smollm", "starcoder", "refact", "gpt-2", "default": preSplit = .smollm
        // DeepSeek-R1-Distill-Qwen files name the same pre-tokenizer "deepseek-r1-qwen" (llama.cpp maps both to
        // LLAMA_VOCAB_PRE_TYPE_QWEN2).
        case "qwen2", "deepseek-r1-qwen": preSplit = .qwen2
        default:
            throw GGUFError(.unsupported, field: "tokenizer.ggml.pre",
                            expected: "a pre-tokenizer this reader implements (smollm, starcoder, refact, gpt-2, qwen2, deepseek-r1-qwen)",
                            found: "\"\(pre)\"", path: gguf.path)
        }
        let tokenValues = try gguf.array("tokenizer.ggml.tokens", of: .string)
        var tokens: [String] = []
        tokens.reserveCapacity(tokenValues.count)
        for v in tokenValues { tokens.append(v.stringValue ?? "") }
        guard !tokens.isEmpty, tokens.count < Int(Int32.max) else {
            throw GGUFError(.invalid, field: "tokenizer.ggml.tokens", expected: "1 ..< 2^31 tokens", found: "\(tokens.count)", path: gguf.path)
        }
        var types = [TokenType](repeating: .normal, count: tokens.count)
        if gguf["tokenizer.ggml.token_type"] != nil {
            let tv = try gguf.array("tokenizer.ggml.token_type", of: .int32)
            guard tv.count == tokens.count else {
                throw GGUFError(.invalid, field: "tokenizer.ggml.token_type", expected: "\(tokens.count) entries (one per token)",
                                found: "\(tv.count)", path: gguf.path)
            }
            for (i, v) in tv.enumerated() { types[i] = TokenType(rawValue: Int32(v.intValue ?? 1)) ?? .undefined }
        }
        var idForToken: [String: ID] = [:]
        idForToken.reserveCapacity(tokens.count)
        for (i, t) in tokens.enumerated() where idForToken[t] == nil { idForToken[t] = ID(i) }

        var merges: [UInt64: (rank: Int32, merged: ID)] = [:]
        let mergeValues = try gguf.array("tokenizer.ggml.merges", of: .string)
        merges.reserveCapacity(mergeValues.count)
        for (rank, v) in mergeValues.enumerated() {
            let m = v.stringValue ?? ""
            guard let sp = m.firstIndex(of: " ") else {
                throw GGUFError(.invalid, field: "tokenizer.ggml.merges[\(rank)]", expected: "\"left right\"", found: "\"\(m)\"", path: gguf.path)
            }
            let left = String(m[..<sp]), right = String(m[m.index(after: sp)...])
            // A merge whose parts or result are not tokens can never fire; skip it.
            guard let l = idForToken[left], let r = idForToken[right], let merged = idForToken[left + right] else { continue }
            let key = UInt64(UInt32(bitPattern: l)) << 32 | UInt64(UInt32(bitPattern: r))
            if merges[key] == nil { merges[key] = (Int32(rank), merged) }
        }

        let byteMap = ByteLevelMap()
        // SmolLM2's vocabulary lacks 21 byte symbols: bytes that never occur in UTF-8 (0xC0, 0xC1,
        // 0xF5–0xFF) and six C0 controls (0x04, 0x06, 0x13, 0x14, 0x16, 0x1D). Those encode as `unknown`.
        var byteToken = [ID](repeating: -1, count: 256)
        for b in 0..<256 {
            byteToken[b] = idForToken[String(Character(byteMap.scalarForByte[b]))] ?? -1
        }

        func tokenID(_ key: String, default d: ID) throws(GGUFError) -> ID {
            guard gguf[key] != nil else { return d }
            let v = try gguf.int(key)
            guard v >= 0, v < tokens.count else {
                throw GGUFError(.invalid, field: key, expected: "a token id below \(tokens.count)", found: "\(v)", path: gguf.path)
            }
            return ID(v)
        }
        unknown = try tokenID("tokenizer.ggml.unknown_token_id", default: 0)
        bos = try tokenID("tokenizer.ggml.bos_token_id", default: 1)
        eos = try tokenID("tokenizer.ggml.eos_token_id", default: 2)
        addBOS = gguf["tokenizer.ggml.add_bos_token"]?.boolValue ?? false
        chatTemplate = gguf["tokenizer.chat_template"]?.stringValue

        var specials: [(text: String, id: ID)] = []
        for (i, t) in types.enumerated() where (t == .control || t == .userDefined) && !tokens[i].isEmpty {
            specials.append((tokens[i], ID(i)))
        }
        specials.sort { $0.text.utf8.count > $1.text.utf8.count || ($0.text.utf8.count == $1.text.utf8.count && $0.id < $1.id) }

        self.tokens = tokens
        self.tokenTypes = types
        self.idForToken = idForToken
        self.merges = merges
        self.byteToken = byteToken
        self.specials = SpecialTokenPartition(specials)
    }

    /// The id of a token's exact text, if it is in the vocabulary.
    public func id(of token: String) -> ID? { idForToken[token] }

    /// Whether `id` is a control token (rendered as its text, never part of ordinary text).
    public func isControl(_ id: ID) -> Bool {
        id >= 0 && Int(id) < tokenTypes.count && tokenTypes[Int(id)] == .control
    }

    // MARK: Encoding

    /// Token ids of `text`. With `parseSpecial`, control-token texts in `text` become those tokens
    /// (as llama.cpp does for prompts); otherwise they are tokenized as ordinary text.
    ///
    /// Linear-ish in the text whatever the vocabulary: finding special tokens costs O(n · d + n log n)
    /// (`SpecialTokenPartition`) and each pre-token's merges O(m log m) (`bpe`), never one pass per
    /// special token or per merge.
    public func encode(_ text: String, parseSpecial: Bool = true) -> [ID] {
        var out: [ID] = []
        func ordinary(_ s: String) {
            for piece in PreTokenizer.split(s, kind: preSplit) { bpe(piece, into: &out) }
        }
        guard parseSpecial, !specials.isEmpty else { ordinary(text); return out }
        let bytes = Array(text.utf8)
        for piece in specials.partition(bytes) {
            switch piece {
            case .special(let id): out.append(id)
            // Special tokens are whole UTF-8 sequences, so the pieces between them are too.
            case .text(let r): ordinary(String(decoding: bytes[r], as: UTF8.self))
            }
        }
        return out
    }

    /// Byte-level BPE of one pre-token, as llama.cpp's `llm_tokenizer_bpe_session` does it: repeatedly
    /// merge the adjacent pair with the lowest merge rank (leftmost first among equal ranks). A queue of
    /// candidate pairs makes it O(m log m) for m bytes; re-scanning for the best pair after every merge would
    /// be O(m²), which a long word (a prompt without spaces) turns into a hang.
    private func bpe(_ piece: String, into out: inout [ID]) {
        var ids: [ID] = piece.utf8.map { byteToken[Int($0)] }
        let start = out.count
        defer { for i in start..<out.count where out[i] < 0 { out[i] = unknown } }
        let m = ids.count
        guard m > 1 else { out.append(contentsOf: ids); return }
        var next = Array(1...m)            // m: no next symbol
        var prev = Array(-1..<(m - 1))     // -1: no previous symbol
        var alive = [Bool](repeating: true, count: m)
        var queue = PairQueue()
        func push(_ left: Int, _ right: Int) {
            let key = UInt64(UInt32(bitPattern: ids[left])) << 32 | UInt64(UInt32(bitPattern: ids[right]))
            if let merge = merges[key] {
                queue.push(.init(rank: merge.rank, left: left, leftID: ids[left], rightID: ids[right], merged: merge.merged))
            }
        }
        for i in 0..<(m - 1) { push(i, i + 1) }
        while let pair = queue.pop() {
            let l = pair.left, r = next[l]
            // A pair is stale when either symbol has changed since it was queued (symbols only grow, so
            // an unchanged id means an unchanged symbol).
            guard alive[l], r < m, ids[l] == pair.leftID, ids[r] == pair.rightID else { continue }
            ids[l] = pair.merged
            alive[r] = false
            next[l] = next[r]
            if next[r] < m { prev[next[r]] = l }
            if prev[l] >= 0 { push(prev[l], l) }
            if next[l] < m { push(l, next[l]) }
        }
        var i = 0
        while i < m { out.append(ids[i]); i = next[i] }
    }

    // MARK: Decoding

    /// The raw bytes `ids` stand for: byte-mapped text turned back into bytes; control tokens as their text.
    public func decodeBytes(_ ids: some Sequence<ID>) -> [UInt8] {
        var bytes: [UInt8] = []
        for id in ids {
            guard id >= 0, Int(id) < tokens.count else { continue }
            let text = tokens[Int(id)]
            if tokenTypes[Int(id)] == .control || tokenTypes[Int(id)] == .userDefined {
                bytes.append(contentsOf: text.utf8)
                continue
            }
            for s in text.unicodeScalars {
                if let b = byteMap.byte(for: s) { bytes.append(b) } else { bytes.append(contentsOf: String(Character(s)).utf8) }
            }
        }
        return bytes
    }

    /// The text `ids` stand for (malformed UTF-8, possible mid-sequence, is repaired with U+FFFD).
    public func decode(_ ids: some Sequence<ID>) -> String {
        String(decoding: decodeBytes(ids), as: UTF8.self)
    }
}

/// Candidate merges of one pre-token, lowest rank first, then leftmost (a binary min-heap).
private struct PairQueue {
    struct Pair {
        var rank: Int32
        var left: Int
        var leftID: Int32
        var rightID: Int32
        var merged: Int32
        func precedes(_ o: Pair) -> Bool { rank != o.rank ? rank < o.rank : left < o.left }
    }

    private var heap: [Pair] = []

    mutating func push(_ p: Pair) {
        heap.append(p)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].precedes(heap[parent]) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Pair? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            while true {
                let a = 2 * i + 1, b = a + 1
                var best = i
                if a < heap.count && heap[a].precedes(heap[best]) { best = a }
                if b < heap.count && heap[b].precedes(heap[best]) { best = b }
                if best == i { break }
                heap.swapAt(i, best)
                i = best
            }
        }
        return top
    }
}
