/// Splits a prompt around the occurrences of control and user-defined tokens, with llama.cpp's priority
/// (`tokenizer_st_partition`): tokens are taken longest text first (equal lengths: lowest id first); each
/// token's occurrences are taken left to right in the text the tokens before it left free, never
/// overlapping one taken earlier. Matching is on UTF-8 bytes, as llama.cpp's `std::string::find` does.
///
/// Cost: llama.cpp (and a direct port) scans the text once per special token, so a vocabulary of many
/// special tokens (a GGUF file can declare a million for a few MB) times a long prompt is quadratic. Here
/// the tokens are grouped by byte length and each group scans the still-free text once with a rolling
/// hash, so the cost is O(n · d + n log n) for n text bytes and d distinct token lengths
/// (d ≤ √(2 · total special-token bytes)), independent of how many tokens share a length. A hash hit is
/// compared byte by byte before it is taken; the hash base is drawn per process, so no input can be
/// crafted to collide.
struct SpecialTokenPartition: Sendable {
    /// One piece of the partitioned text: a byte range of ordinary text or a special token's id.
    enum Piece: Equatable {
        case text(Range<Int>)
        case special(Int32)
    }

    /// Tokens of one byte length, by the hash of their bytes (each hash: token indices, priority order).
    private struct Group: Sendable {
        var length: Int
        var byHash: [UInt64: [Int32]]
        /// base^(length-1) mod p, to drop the byte leaving the window.
        var leadPower: UInt64
    }

    private let tokens: [(bytes: [UInt8], id: Int32)]
    private let groups: [Group]
    private let base: UInt64

    /// Whether there is any special token to look for.
    var isEmpty: Bool { tokens.isEmpty }

    /// `specials`: (text, id) in priority order (longest first, then lowest id). Empty texts are ignored,
    /// and a text that repeats an earlier one is dropped (the earlier token takes every occurrence).
    init(_ specials: [(text: String, id: Int32)]) {
        let base = UInt64.random(in: 257 ..< Self.prime - 1)
        self.base = base
        var tokens: [(bytes: [UInt8], id: Int32)] = []
        var seen = Set<[UInt8]>()
        for s in specials {
            let b = Array(s.text.utf8)
            guard !b.isEmpty, seen.insert(b).inserted else { continue }
            tokens.append((b, s.id))
        }
        var groups: [Group] = []
        for (i, t) in tokens.enumerated() {
            if groups.last?.length != t.bytes.count {
                groups.append(Group(length: t.bytes.count, byHash: [:], leadPower: Self.power(base, t.bytes.count - 1)))
            }
            groups[groups.count - 1].byHash[Self.hash(t.bytes[...], base: base), default: []].append(Int32(i))
        }
        // Priority is by length first, so groups are visited longest first; within a group by index.
        groups.sort { $0.length > $1.length }
        self.tokens = tokens
        self.groups = groups
    }

    /// The pieces of `bytes` in text order.
    func partition(_ bytes: [UInt8]) -> [Piece] {
        let n = bytes.count
        guard !tokens.isEmpty, n > 0 else { return n > 0 ? [.text(0 ..< n)] : [] }
        var taken = [Bool](repeating: false, count: n)
        var tree = FenwickCounts(count: n)
        var claims: [(start: Int, token: Int32)] = []
        var candidates: [(token: Int32, start: Int)] = []
        for g in groups where g.length <= n {
            let len = g.length
            candidates.removeAll(keepingCapacity: true)
            // Every window of `len` bytes inside a run of free bytes whose hash is a token's of this length.
            var i = 0
            while i < n {
                if taken[i] { i += 1; continue }
                var end = i
                while end < n && !taken[end] { end += 1 }
                if end - i >= len {
                    var h = Self.hash(bytes[i ..< i + len], base: base)
                    var s = i
                    while true {
                        if let ids = g.byHash[h] { for t in ids { candidates.append((t, s)) } }
                        if s + len >= end { break }
                        h = Self.roll(h, out: bytes[s], in: bytes[s + len], leadPower: g.leadPower, base: base)
                        s += 1
                    }
                }
                i = end
            }
            guard !candidates.isEmpty else { continue }
            candidates.sort { $0.token != $1.token ? $0.token < $1.token : $0.start < $1.start }
            for c in candidates where tree.sum(c.start, c.start + len) == 0 {
                guard tokens[Int(c.token)].bytes.elementsEqual(bytes[c.start ..< c.start + len]) else { continue }
                for k in c.start ..< c.start + len { taken[k] = true; tree.add(k) }
                claims.append((c.start, c.token))
            }
        }
        claims.sort { $0.start < $1.start }
        var pieces: [Piece] = []
        pieces.reserveCapacity(2 * claims.count + 1)
        var at = 0
        for c in claims {
            if c.start > at { pieces.append(.text(at ..< c.start)) }
            pieces.append(.special(tokens[Int(c.token)].id))
            at = c.start + tokens[Int(c.token)].bytes.count
        }
        if at < n { pieces.append(.text(at ..< n)) }
        return pieces
    }

    // MARK: Rolling hash modulo the Mersenne prime 2^61 - 1

    private static let prime: UInt64 = (1 << 61) - 1

    private static func mulmod(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (hi, lo) = a.multipliedFullWidth(by: b)
        // a·b = hi·2^64 + lo; 2^64 ≡ 2^3 (mod 2^61 - 1).
        let low61 = lo & prime
        let rest = (lo >> 61) | (hi << 3)
        var r = low61 + rest
        if r >= prime { r -= prime }
        if r >= prime { r -= prime }
        return r
    }

    private static func power(_ b: UInt64, _ e: Int) -> UInt64 {
        var r: UInt64 = 1, x = b, e = e
        while e > 0 {
            if e & 1 == 1 { r = mulmod(r, x) }
            x = mulmod(x, x)
            e >>= 1
        }
        return r
    }

    private static func hash(_ bytes: ArraySlice<UInt8>, base: UInt64) -> UInt64 {
        var h: UInt64 = 0
        for b in bytes {
            h = mulmod(h, base) + UInt64(b) + 1
            if h >= prime { h -= prime }
        }
        return h
    }

    private static func roll(_ h: UInt64, out: UInt8, in next: UInt8, leadPower: UInt64, base: UInt64) -> UInt64 {
        let drop = mulmod(UInt64(out) + 1, leadPower)
        var x = h >= drop ? h - drop : h + prime - drop
        x = mulmod(x, base) + UInt64(next) + 1
        if x >= prime { x -= prime }
        return x
    }
}

/// Counts per index with O(log n) range sums (a Fenwick tree): "is any byte in this range taken".
private struct FenwickCounts {
    private var tree: [Int32]
    init(count: Int) { tree = [Int32](repeating: 0, count: count + 1) }

    mutating func add(_ index: Int) {
        var i = index + 1
        while i < tree.count { tree[i] += 1; i += i & -i }
    }

    private func prefix(_ end: Int) -> Int {
        var s = 0, i = end
        while i > 0 { s += Int(tree[i]); i -= i & -i }
        return s
    }

    /// Sum over `start ..< end`.
    func sum(_ start: Int, _ end: Int) -> Int { prefix(end) - prefix(start) }
}
