import Foundation
import Testing
import Models
import Kernels

/// Tokenizing is bounded by the text, not by what a vocabulary declares: a GGUF file can carry tens of
/// thousands of special tokens (each once a full scan of the prompt) and a prompt can be one long word
/// (each merge once a full scan of the word). Each case runs under a generous deadline (a hang fails the
/// test instead of stalling CI); none asserts a speed. The partition must also stay exactly llama.cpp's:
/// longest special first, then lowest id, each token's occurrences left to right in what is still free.
@Suite("Tokenizer cost and special-token priority")
struct TokenizerCostTests {
    /// A byte-level vocabulary: the 256 byte symbols (ids 0..<256, no merges unless given), then `specials`
    /// as user-defined tokens (ids 256...), optionally extra normal tokens and merges.
    static func tokenizer(specials: [String], extra: [String] = [], merges: [String] = []) throws -> Tokenizer {
        let map = ByteLevelMap()
        var tokens = (0..<256).map { String(Character(map.scalarForByte[$0])) }
        var types = [Int32](repeating: 1, count: 256)
        tokens += specials; types += [Int32](repeating: 4, count: specials.count)
        tokens += extra; types += [Int32](repeating: 1, count: extra.count)
        var b = GGUFBuilder()
        b.header(tensors: 0, kvs: 5)
        b.string("general.architecture"); b.u32(8); b.string("test")
        b.string("tokenizer.ggml.model"); b.u32(8); b.string("gpt2")
        b.string("tokenizer.ggml.tokens"); b.u32(9); b.u32(8); b.u64(UInt64(tokens.count)); for t in tokens { b.string(t) }
        b.string("tokenizer.ggml.token_type"); b.u32(9); b.u32(5); b.u64(UInt64(types.count)); for t in types { b.u32(UInt32(bitPattern: t)) }
        b.string("tokenizer.ggml.merges"); b.u32(9); b.u32(8); b.u64(UInt64(merges.count)); for m in merges { b.string(m) }
        b.pad(to: 32)
        return try Tokenizer(gguf: GGUFFile(bytes: b.bytes))
    }

    /// llama.cpp's `tokenizer_st_partition`, ported directly (one scan per special token), then every
    /// free byte as its byte token: what `encode` must return on a vocabulary without merges.
    static func reference(_ text: String, specials: [String]) -> [Int32] {
        enum Frag { case text([UInt8]), special(Int32) }
        var order = specials.enumerated().map { (bytes: Array($0.element.utf8), id: Int32(256 + $0.offset)) }.filter { !$0.bytes.isEmpty }
        order.sort { $0.bytes.count != $1.bytes.count ? $0.bytes.count > $1.bytes.count : $0.id < $1.id }
        var frags: [Frag] = [.text(Array(text.utf8))]
        for (needle, id) in order {
            var next: [Frag] = []
            for f in frags {
                guard case .text(let s) = f else { next.append(f); continue }
                var start = 0, i = 0
                while i + needle.count <= s.count {
                    if Array(s[i..<(i + needle.count)]) == needle {
                        if i > start { next.append(.text(Array(s[start..<i]))) }
                        next.append(.special(id))
                        i += needle.count; start = i
                    } else { i += 1 }
                }
                if start < s.count { next.append(.text(Array(s[start...]))) }
            }
            frags = next
        }
        return frags.flatMap { f -> [Int32] in
            switch f {
            case .special(let id): return [id]
            case .text(let bytes): return bytes.map { Int32($0) }
            }
        }
    }

    /// Runs `body` on another thread; nil (and a failed expectation) if it has not finished after `seconds`.
    static func withinDeadline<T: Sendable>(_ seconds: Double, _ what: String, _ body: @escaping @Sendable () -> T,
                                            sourceLocation: SourceLocation = #_sourceLocation) -> T? {
        let box = DeadlineBox<T>()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let v = body()
            box.lock.lock(); box.value = v; box.lock.unlock()
            done.signal()
        }
        let finished = done.wait(timeout: .now() + seconds) == .success
        #expect(finished, "\(what) did not finish within \(seconds) s (quadratic?)", sourceLocation: sourceLocation)
        guard finished else { return nil }
        box.lock.lock(); defer { box.lock.unlock() }
        return box.value
    }

    @Test("overlapping special tokens split exactly as llama.cpp does (longest first, then lowest id, left to right)")
    func priorityMatchesLlamaCpp() throws {
        let fixed: [([String], String)] = [
            (["ab", "ba"], "aba"), (["ba", "ab"], "aba"), (["ab", "bcd"], "abcd"), (["aa"], "aaaaa"),
            (["a", "aa", "aaa"], "aaaaaaa"), (["<|x|>", "|x", "x|>"], "<|x|>|x|x|><|x"), (["é", "e"], "eé\u{301}e"),
        ]
        for (specials, text) in fixed {
            let t = try Self.tokenizer(specials: specials)
            #expect(t.encode(text) == Self.reference(text, specials: specials), "\(specials) on \(text.debugDescription)")
        }
        var rng = SplitMix64(seed: 7)
        let alphabet: [Character] = ["a", "b", "<", ">", "é"]
        func word(_ n: Int) -> String { String((0..<n).map { _ in alphabet.randomElement(using: &rng)! }) }
        for _ in 0..<150 {
            let specials = (0..<Int.random(in: 1...8, using: &rng)).map { _ in word(Int.random(in: 1...4, using: &rng)) }
            let text = word(Int.random(in: 0...40, using: &rng))
            let t = try Self.tokenizer(specials: specials)
            #expect(t.encode(text) == Self.reference(text, specials: specials), "\(specials) on \(text.debugDescription)")
            #expect(t.decode(t.encode(text)) == text)
        }
    }

    @Test("30,000 special tokens and a 400 KB prompt tokenize within the deadline, each occurrence found")
    func manySpecialTokensStayLinear() throws {
        // Distinct texts of a few lengths, all starting like each other, so a naive scan per token visits the
        // whole prompt 30,000 times (≈ 10^10 byte comparisons).
        let specials = (0..<30_000).map { "<t\($0)>" }
        let t = try Self.tokenizer(specials: specials)
        let text = String(repeating: "<t", count: 200_000) + "<t29999><t0>x"
        let tok = t
        let expectedTail: [Int32] = [256 + 29_999, 256, Int32(UInt8(ascii: "x"))]
        let ids = Self.withinDeadline(120, "encoding a 400 KB prompt against 30,000 special tokens") { tok.encode(text) }
        if let ids {
            #expect(Array(ids.suffix(3)) == expectedTail)
            #expect(ids.count == 400_003)
        }
    }

    @Test("one 300 KB word merges within the deadline (a queue of pairs, not a scan per merge)")
    func longWordStaysLinear() throws {
        // A merge chain z+a → za, za+b → zab, zab+a → zaba, ...: each merge applies once per chain, so a BPE
        // that rescans the word for its best pair after every merge makes 2,000 passes over 300 KB.
        var extra: [String] = [], merges: [String] = []
        var chain = "z"
        for i in 0..<2_000 {
            let c = i % 2 == 0 ? "a" : "b"
            merges.append("\(chain) \(c)")
            chain += c
            extra.append(chain)
        }
        let t = try Self.tokenizer(specials: [], extra: extra, merges: merges)
        // Prefixes of the chain joined by "c" (no merge), all letters: one pre-token.
        var word = ""
        var rng = SplitMix64(seed: 3)
        var pieces = 0
        while word.utf8.count < 300_000 {
            word += String(chain.prefix(Int.random(in: 1...2_001, using: &rng))) + "c"
            pieces += 1
        }
        let text = word, tok = t
        let ids = Self.withinDeadline(120, "encoding one 300 KB word") { tok.encode(text, parseSpecial: false) }
        if let ids {
            // Each prefix is one chain token, each "c" its byte token.
            #expect(ids.count == 2 * pieces)
            #expect(t.decode(ids) == text)
        }
        let short = String(chain.prefix(7))
        let one = t.encode(short, parseSpecial: false)
        #expect(one.count == 1 && one.first.map { t.tokens[Int($0)] } == short)
    }
}

/// The result of work run under a deadline, handed from its thread to the test.
final class DeadlineBox<T>: @unchecked Sendable {
    var value: T?
    let lock = NSLock()
}
