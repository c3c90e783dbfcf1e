import CHwloc

/// A topology XML file (`ktune probe --topology FILE`) loaded and counted without probing the machine:
/// the entry point the hwloc fuzz harness and the hostile-input tests drive.
public enum TopologyFile {
    public struct Summary: Sendable, Equatable {
        public var packages: Int
        public var cores: Int
        public var processingUnits: Int
    }

    /// Loads `path` through the same checks as the probe (file type and size, structure caps, hwloc's
    /// loader, PU count) and counts its objects, walking every PU's cpuset with the bounded iterator.
    public static func summary(path: String) throws(ProbeError) -> Summary {
        let t = try HwlocTopology(xmlPath: path)
        let pus = t.objects(HWLOC_OBJ_PU)
        var walked = 0
        for pu in pus { walked += HwlocTopology.indexes(of: pu.pointee.cpuset).count }
        if let root = t.root { walked += HwlocTopology.indexes(of: root.pointee.cpuset).count }
        _ = walked
        return Summary(packages: t.objects(HWLOC_OBJ_PACKAGE).count, cores: t.objects(HWLOC_OBJ_CORE).count,
                       processingUnits: pus.count)
    }
}
