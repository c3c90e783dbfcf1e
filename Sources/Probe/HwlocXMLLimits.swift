import KernelContract

/// What a topology XML file may contain before hwloc is asked to load it. hwloc parses nested `<object>`
/// elements recursively and accepts any number of them; a crafted file with extreme nesting or millions
/// of objects exhausts the stack or the memory. Real machines are far inside these caps.
public enum HwlocXMLLimits {
    /// Processing units (and bitmap indexes walked) per topology; Linux's NR_CPUS maximum is 8192.
    public static let maxProcessingUnits = 1 << 16
    /// Nesting depth of elements (machine > package > die > L3 > L2 > L1 > core > PU is ~10 with groups).
    public static let maxDepth = 64
    /// Elements of any kind in the file.
    public static let maxElements = 1 << 20

    /// Checks the file at `path` (regular, ≤ `UntrustedFile.Cap.topology` bytes) and its structure.
    public static func check(path: String) throws(ProbeError) {
        let bytes: [UInt8]
        do { bytes = try UntrustedFile.read(path, cap: UntrustedFile.Cap.topology) } catch {
            throw .topologyFile(path: path, reason: error.detail)
        }
        if let problem = structureProblem(bytes) { throw .topologyFile(path: path, reason: problem) }
    }

    /// A description of what breaks the caps in `bytes`, or nil. A linear scan of tags, not an XML parser:
    /// `<x>` opens, `</x>` closes, `<x/>`, `<?...?>` and `<!...>` do neither.
    public static func structureProblem(_ bytes: [UInt8]) -> String? {
        var depth = 0, elements = 0, i = 0
        let n = bytes.count
        let lt = UInt8(ascii: "<"), gt = UInt8(ascii: ">"), slash = UInt8(ascii: "/")
        let q = UInt8(ascii: "?"), bang = UInt8(ascii: "!")
        while i < n {
            guard bytes[i] == lt else { i += 1; continue }
            guard i + 1 < n else { break }
            let next = bytes[i + 1]
            var j = i + 1
            while j < n, bytes[j] != gt { j += 1 }
            if next == q || next == bang {
                // declaration or comment
            } else if next == slash {
                depth -= 1
            } else if j < n, j > i + 1, bytes[j - 1] == slash {
                elements += 1
            } else {
                elements += 1
                depth += 1
            }
            if depth > maxDepth {
                return "elements nest \(depth) deep, more than the \(maxDepth) levels a machine topology needs; refused"
            }
            if elements > maxElements {
                return "more than \(maxElements) elements; refused"
            }
            i = j + 1
        }
        return bitmapProblem(bytes) ?? indexProblem(bytes)
    }

    /// The first `os_index` larger than `maxProcessingUnits`, or nil. hwloc sets bit `os_index` of the
    /// object's cpuset or nodeset: `os_index="4294967294"` on one PU made hwloc 2.9 allocate 1.6 GB and
    /// spend 9 s (found after the fuzz harness's rss peaks; real topologies stay below 400).
    static func indexProblem(_ bytes: [UInt8]) -> String? {
        let key = Array("os_index=\"".utf8)
        let n = bytes.count, m = key.count
        var i = 0
        while i + m < n {
            guard bytes[i] == key[0], Array(bytes[i..<(i + m)]) == key else { i += 1; continue }
            var j = i + m, value = 0, digits = 0
            while j < n, bytes[j] >= 48, bytes[j] <= 57, digits < 12 {
                value = value * 10 + Int(bytes[j] - 48); digits += 1; j += 1
            }
            if value > maxProcessingUnits || digits >= 12 {
                let shown = String(decoding: bytes[(i + m)..<min(n, i + m + 12)].prefix { $0 != UInt8(ascii: "\"") }, as: UTF8.self)
                return "attribute os_index=\"\(shown)\" is larger than the \(maxProcessingUnits) processing units a topology may have; refused"
            }
            i = j
        }
        return nil
    }

    /// The first cpuset/nodeset attribute (`cpuset`, `complete_cpuset`, `allowed_nodeset`, …) whose value is
    /// not an hwloc bitmap — "0x"-prefixed words of at most 16 hex digits separated by commas (an empty
    /// word is a zero word, as hwloc writes them), optionally after the infinite prefix "0xf...f" — or has
    /// more words than `maxProcessingUnits` bits need; nil if
    /// none. hwloc 2.9 accepts malformed values: `complete_cpuset="0xf}}}}...f"` in a 757-byte file made it
    /// allocate 5.8 GB and spend 21 s before failing (the hwloc fuzz harness's out-of-memory finding).
    static func bitmapProblem(_ bytes: [UInt8]) -> String? {
        let n = bytes.count
        let quote = UInt8(ascii: "\""), eq = UInt8(ascii: "=")
        let suffix = Array("set".utf8)
        let maxWords = maxProcessingUnits / 32 + 2
        var i = 0
        while i + 5 < n {
            // `...set="` where the name before "set" ends in "cpu" or "node".
            guard bytes[i] == suffix[0], bytes[i + 1] == suffix[1], bytes[i + 2] == suffix[2],
                  bytes[i + 3] == eq, bytes[i + 4] == quote else { i += 1; continue }
            let endsCPU = i >= 3 && Array(bytes[(i - 3)..<i]) == Array("cpu".utf8)
            let endsNode = i >= 4 && Array(bytes[(i - 4)..<i]) == Array("node".utf8)
            guard endsCPU || endsNode else { i += 1; continue }
            var nameStart = i
            while nameStart > 0, bytes[nameStart - 1] == UInt8(ascii: "_") || (bytes[nameStart - 1] | 0x20) >= UInt8(ascii: "a")
                    && (bytes[nameStart - 1] | 0x20) <= UInt8(ascii: "z") { nameStart -= 1 }
            let name = String(decoding: bytes[nameStart..<(i + 3)], as: UTF8.self)
            let valueStart = i + 5
            var j = valueStart
            while j < n, bytes[j] != quote { j += 1 }
            let value = bytes[valueStart..<j]
            if let why = bitmapSyntaxProblem(value, maxWords: maxWords) {
                let shown = String(decoding: value.prefix(24), as: UTF8.self) + (value.count > 24 ? "…" : "")
                return "attribute \(name)=\"\(shown)\" is not an hwloc bitmap (\(why)); refused"
            }
            i = j + 1
        }
        return nil
    }

    /// Why `value` is not `[0xf...f,]0xH[,[0xH]]*` with 1…16 hex digits per non-empty word and at most
    /// `maxWords` words, or nil.
    static func bitmapSyntaxProblem(_ value: ArraySlice<UInt8>, maxWords: Int) -> String? {
        let words = value.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
        guard !words.isEmpty else { return "empty" }
        if words.count > maxWords { return "\(words.count) words, more than the \(maxWords) that \(maxProcessingUnits) processing units need" }
        let infinite = Array("0xf...f".utf8)
        for (k, w) in words.enumerated() {
            if k == 0 && Array(w) == infinite { continue }
            if w.isEmpty && words.count > 1 { continue }   // hwloc writes zero words as nothing: "0xff,,0x1"
            let b = Array(w)
            guard b.count >= 3, b[0] == UInt8(ascii: "0"), b[1] | 0x20 == UInt8(ascii: "x") else {
                return "word \(k + 1) does not start with 0x"
            }
            let digits = b[2...]
            guard digits.count <= 16 else { return "word \(k + 1) has \(digits.count) hex digits, more than 16" }
            guard digits.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 | 0x20 >= 97 && $0 | 0x20 <= 102) }) else {
                return "word \(k + 1) has a character that is not a hex digit"
            }
        }
        return nil
    }
}
