import CHwloc
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An owned, loaded hwloc topology (this machine's or one read from an XML file) and the queries the prober
/// needs. Instruction caches are kept (hwloc 2.x filters them out by default), and so are OS devices (without
/// their PCI parents): CXL memory expanders and DAX devices are OS devices.
///
/// hwloc topologies are safe for concurrent read-only queries and binding calls once loaded, hence Sendable.
final class HwlocTopology: @unchecked Sendable {
    let topology: hwloc_topology_t

    /// Loads this machine's topology, or the XML file at `xmlPath`.
    init(xmlPath: String? = nil) throws(ProbeError) {
        var topo: hwloc_topology_t?
        guard hwloc_topology_init(&topo) == 0, let topo else {
            throw .hwloc(call: "hwloc_topology_init", reason: String(cString: strerror(errno)))
        }
        hwloc_topology_set_icache_types_filter(topo, HWLOC_TYPE_FILTER_KEEP_ALL)
        hwloc_topology_set_type_filter(topo, HWLOC_OBJ_OS_DEVICE, HWLOC_TYPE_FILTER_KEEP_ALL)
        if let xmlPath {
            // Check the file first (regular, bounded size, bounded nesting and object count): hwloc's own
            // message for a missing file is a bare EINVAL, and it recurses once per nesting level.
            do { try HwlocXMLLimits.check(path: xmlPath); try HwlocTrialLoad.check(path: xmlPath) } catch {
                hwloc_topology_destroy(topo)
                throw error
            }
            // hwloc explains XML errors on stderr only with HWLOC_XML_VERBOSE set (read once, at its first XML
            // call); set it unless the user chose a value, and capture what it prints for the error we throw.
            setenv("HWLOC_XML_VERBOSE", "1", 0)
            let ((rc, err), messages) = withCapturedStderr { () -> (Int32, Int32) in
                errno = 0
                let rc = hwloc_topology_set_xml(topo, xmlPath)
                return (rc, errno)
            }
            if rc == 0 { forwardToStderr(messages) }
            if rc != 0 {
                hwloc_topology_destroy(topo)
                throw .topologyFile(path: xmlPath, reason: Self.formatHint(xmlPath) ?? Self.reason(
                    messages, errno: err, call: "hwloc_topology_set_xml"))
            }
        }
        let ((rc, err), messages) = withCapturedStderr { () -> (Int32, Int32) in
            errno = 0
            let rc = hwloc_topology_load(topo)
            return (rc, errno)
        }
        if rc == 0 { forwardToStderr(messages) }
        if rc != 0 {
            hwloc_topology_destroy(topo)
            let reason = Self.reason(messages, errno: err, call: "hwloc_topology_load")
            if let xmlPath { throw .topologyFile(path: xmlPath, reason: Self.formatHint(xmlPath) ?? reason) }
            throw .hwloc(call: "hwloc_topology_load", reason: reason)
        }
        if xmlPath != nil, hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU) <= 0 {
            hwloc_topology_destroy(topo)
            throw .topologyFile(path: xmlPath ?? "", reason: "the topology has no processing units (PU objects)")
        }
        if xmlPath != nil, hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU) > Int32(HwlocXMLLimits.maxProcessingUnits) {
            let n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU)
            hwloc_topology_destroy(topo)
            throw .topologyFile(path: xmlPath ?? "", reason: "the topology has \(n) processing units, more than the \(HwlocXMLLimits.maxProcessingUnits) supported; refused")
        }
        topology = topo
    }

    deinit { hwloc_topology_destroy(topology) }

    /// The XML format version this hwloc reads (2.x reads 1.x and 2.x files; hwloc 3 writes 3.0 by default).
    static let newestReadableXMLMajor = 2

    /// When `path` declares a newer XML format than this hwloc reads (`<topology version="3.0">`), the
    /// reason to give instead of hwloc's bare "Invalid argument": which version, and how to convert it.
    static func formatHint(_ path: String) -> String? {
        guard let f = fopen(path, "r") else { return nil }
        defer { fclose(f) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = fread(&buffer, 1, buffer.count, f)
        let head = String(decoding: buffer[0..<n], as: UTF8.self)
        guard let tag = head.range(of: "<topology"),
              let v = head[tag.upperBound...].range(of: "version=\"") else { return nil }
        let version = head[v.upperBound...].prefix { $0 != "\"" }
        guard let major = Int(version.prefix { $0 != "." }), major > newestReadableXMLMajor else { return nil }
        return "the file is in hwloc \(version) XML format (<topology version=\"\(version)\">), which the hwloc 2.x ktune uses "
            + "cannot read; convert it with hwloc 3's lstopo: `lstopo --if xml -i \(path) --of v2xml converted.xml` "
            + "(or export with `lstopo --of v2xml` on the machine itself)"
    }

    /// hwloc's stderr lines (trimmed) joined, else the errno text.
    private static func reason(_ messages: String, errno err: Int32, call: String) -> String {
        let lines = messages.split(separator: "\n").map { $0.trimmingWhitespace }.filter { !$0.isEmpty && $0 != "^" }
        let errText = err != 0 ? String(cString: strerror(err)) : "unknown error"
        return lines.isEmpty ? "\(call): \(errText)" : lines.joined(separator: "; ") + " (\(call): \(errText))"
    }

    func count(_ type: hwloc_obj_type_t) -> Int { Int(max(0, hwloc_get_nbobjs_by_type(topology, type))) }

    func objects(_ type: hwloc_obj_type_t) -> [hwloc_obj_t] {
        (0..<count(type)).compactMap { hwloc_get_obj_by_type(topology, type, UInt32($0)) }
    }

    var root: hwloc_obj_t? { hwloc_get_root_obj(topology) }

    /// An info attribute ("CPUModel", "CPUVendor", ...) of `object`, nil when absent or empty.
    static func info(_ name: String, of object: hwloc_obj_t) -> String? {
        guard let p = hwloc_obj_get_info_by_name(object, name) else { return nil }
        let s = String(cString: p)
        return s.isEmpty ? nil : s
    }

    /// The first value of info attribute `name` on the packages, then the root object.
    func info(_ name: String) -> String? {
        for object in objects(HWLOC_OBJ_PACKAGE) + (root.map { [$0] } ?? []) {
            if let v = Self.info(name, of: object) { return v }
        }
        return nil
    }

    /// OS indexes of the set bits of `set`, at most `limit` of them: a topology file may hold an infinite
    /// cpuset (hwloc_bitmap_next never returns -1 on one), so the walk is bounded by the PU cap.
    static func indexes(of set: hwloc_const_bitmap_t?, limit: Int = HwlocXMLLimits.maxProcessingUnits) -> [Int] {
        guard let set else { return [] }
        var out: [Int] = []
        var i = hwloc_bitmap_first(set)
        while i >= 0, out.count < limit {
            out.append(Int(i))
            i = hwloc_bitmap_next(set, i)
        }
        return out
    }

    /// Objects of `type` inside `set`.
    func count(_ type: hwloc_obj_type_t, inside set: hwloc_const_bitmap_t?) -> Int {
        guard let set else { return 0 }
        return Int(max(0, hwloc_get_nbobjs_inside_cpuset_by_type(topology, set, type)))
    }
}

extension Substring {
    var trimmingWhitespace: String {
        var s = self
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}

extension String {
    var trimmingWhitespace: String { self[...].trimmingWhitespace }
}
