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
        return nil
    }
}
