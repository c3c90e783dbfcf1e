import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import Probe

/// What an hwloc XML file says, read with Foundation's XMLParser (independently of hwloc), so tests can
/// compare the prober's answer with values taken from the file itself.
final class TopologyXMLExpectations: NSObject, XMLParserDelegate {
    struct Cache { var level: Int; var kind: CacheInfo.Kind; var size: Int; var line: Int; var ways: Int; var cores: Int }

    var typeCounts: [String: Int] = [:]
    /// Cache instances in document order.
    var caches: [Cache] = []
    var numaMemory: [Int64] = []
    var packageInfo: [String: String] = [:]
    private var stack: [(type: String, cacheIndex: Int?)] = []

    init(path: String) throws {
        super.init()
        guard let parser = XMLParser(contentsOf: URL(fileURLWithPath: path)) else {
            throw CocoaError(.fileReadUnknown)
        }
        parser.delegate = self
        guard parser.parse() else { throw parser.parserError ?? CocoaError(.fileReadCorruptFile) }
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes a: [String: String] = [:]) {
        if name == "info", stack.last?.type == "Package", let n = a["name"], let v = a["value"], packageInfo[n] == nil {
            packageInfo[n] = v
        }
        guard name == "object", let type = a["type"] else { stack.append(("", nil)); return }
        typeCounts[type, default: 0] += 1
        var cacheIndex: Int?
        if let size = a["cache_size"], let depth = a["depth"] {
            let kind: CacheInfo.Kind = switch a["cache_type"] { case "1": .data; case "2": .instruction; default: .unified }
            caches.append(Cache(level: Int(depth) ?? -1, kind: kind, size: Int(size) ?? -1,
                                line: Int(a["cache_linesize"] ?? "") ?? -1, ways: Int(a["cache_associativity"] ?? "") ?? -1,
                                cores: 0))
            cacheIndex = caches.count - 1
        }
        if type == "Core" { for case let (_, i?) in stack { caches[i].cores += 1 } }
        if type == "NUMANode", let m = a["local_memory"].flatMap({ Int64($0) }) { numaMemory.append(m) }
        stack.append((type, cacheIndex))
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        stack.removeLast()
    }

    func count(_ type: String) -> Int { typeCounts[type] ?? 0 }
}
