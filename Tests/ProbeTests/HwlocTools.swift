import Foundation

/// What hwloc's own command-line tools (Debian's `hwloc` package: hwloc-info, lstopo) say about a topology
/// file, parsed from their text output: the independent truth the prober is compared with.
struct HwlocTools {
    /// One object as `hwloc-info -i FILE type:all` prints it: "Type L#n" then " key = value" lines.
    struct Object {
        var header: String
        var fields: [String: String] = [:]
        /// Lines that repeat a key ("info X = ...", "memory attribute ..."), in order.
        var lines: [String] = []
        func int(_ key: String) -> Int? { fields[key].flatMap { Int($0) } }
        var cpus: Set<Int> { fields["cpuset"].map(HwlocTools.cpus) ?? [] }
    }

    /// One CPU kind as `lstopo --cpukinds` prints it.
    struct Kind { var index: Int; var efficiency: Int; var cpus: Set<Int>; var infos: [String: String] }

    let path: String

    static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/hwloc-info") }

    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/" + tool)
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        _ = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "\(tool) \(arguments) failed"])
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// "0x000f000f,0x000f000f" (hwloc's cpuset text: 32-bit words, most significant first; an all-zero word
    /// may be written empty, "0x00000003,,0x00000001") → bit indexes.
    static func cpus(_ text: String) -> Set<Int> {
        var out: Set<Int> = []
        let words = text.split(separator: ",", omittingEmptySubsequences: false).reversed()
        for (w, word) in words.enumerated() {
            let hex = word.hasPrefix("0x") ? word.dropFirst(2) : word[...]
            if hex.isEmpty { continue }
            guard let v = UInt64(hex, radix: 16) else { continue }
            for b in 0..<32 where v & (1 << UInt64(b)) != 0 { out.insert(w * 32 + b) }
        }
        return out
    }

    /// Object counts per type name from `hwloc-info --no-io` ("depth 2: 8 L2Cache (type #5)").
    func counts() throws -> [String: Int] {
        var out: [String: Int] = [:]
        for line in try Self.run("hwloc-info", ["--if", "xml", "--input", path, "--no-io"]).split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let words = line[line.index(after: colon)...].split(separator: " ")
            if words.count >= 2, let n = Int(words[0]) { out[String(words[1]), default: 0] += n }
        }
        return out
    }

    /// Every object of `type` ("core", "pu", "l2cache", "numanode", "osdev"), in logical order.
    func objects(_ type: String, extra: [String] = []) throws -> [Object] {
        let text = try Self.run("hwloc-info", ["--if", "xml", "--input", path] + extra + ["\(type):all"])
        var out: [Object] = []
        for line in text.split(separator: "\n") {
            if !line.hasPrefix(" ") { out.append(Object(header: String(line))); continue }
            guard !out.isEmpty else { continue }
            let body = line.dropFirst()
            out[out.count - 1].lines.append(String(body))
            if let eq = body.range(of: " = ") {
                out[out.count - 1].fields[String(body[..<eq.lowerBound])] = String(body[eq.upperBound...])
            }
        }
        return out
    }

    /// The CPU kinds from `lstopo --cpukinds` ("CPU kind #0 efficiency 0 cpuset 0x000ff000", "  CoreType = ...").
    func kinds() throws -> [Kind] {
        let text = try Self.run("lstopo", ["--if", "xml", "-i", path, "--of", "console", "--cpukinds", "--no-io"])
        var out: [Kind] = []
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ")
            if line.hasPrefix("CPU kind #"), words.count >= 7, let i = Int(words[2].dropFirst()), let e = Int(words[4]) {
                out.append(Kind(index: i, efficiency: e, cpus: Self.cpus(String(words[6])), infos: [:]))
            } else if line.hasPrefix("  "), !out.isEmpty, let eq = line.range(of: " = ") {
                let key = line[..<eq.lowerBound].trimmingCharacters(in: .whitespaces)
                out[out.count - 1].infos[key] = String(line[eq.upperBound...])
            }
        }
        return out
    }
}
