/// One value of an hwloc memory attribute for a NUMA node (`hwloc_memattr_*`): bandwidth in MiB/s, latency
/// in ns, or a custom attribute, as seen from an initiator (the CPUs doing the accesses) when the attribute
/// depends on one.
public struct MemoryAttributeValue: Codable, Sendable, Equatable {
    /// hwloc's attribute name: "Bandwidth", "ReadBandwidth", "WriteBandwidth", "Latency", "ReadLatency",
    /// "WriteLatency", or a name registered by whoever made the topology.
    public var name: String
    /// "MiB/s" for the bandwidths, "ns" for the latencies, nil for custom attributes (hwloc gives no unit).
    public var unit: String?
    public var value: UInt64
    /// OS indexes of the initiator's CPUs; nil when the attribute has no initiator or the initiator is an
    /// object rather than a CPU set.
    public var initiatorCPUs: [Int]?
    /// The initiator when it is an object ("PU L#7"), nil otherwise.
    public var initiatorObject: String?

    public init(name: String, unit: String?, value: UInt64, initiatorCPUs: [Int]?, initiatorObject: String?) {
        self.name = name; self.unit = unit; self.value = value
        self.initiatorCPUs = initiatorCPUs; self.initiatorObject = initiatorObject
    }

    /// hwloc's unit for its predefined attributes.
    static func unit(of name: String) -> String? {
        switch name {
        case "Bandwidth", "ReadBandwidth", "WriteBandwidth": "MiB/s"
        case "Latency", "ReadLatency", "WriteLatency": "ns"
        default: nil
        }
    }
}

/// A memory device that is not (or not only) a NUMA node: a CXL memory expander or a DAX device, as hwloc
/// reports it among its OS devices.
public struct MemoryDevice: Codable, Sendable, Equatable {
    /// The OS device name ("mem0", "dax0.0").
    public var name: String
    /// hwloc's subtype: "CXLMem" for a CXL memory device, "SPM" / "NVM" for DAX (specific-purpose or
    /// non-volatile) memory.
    public var subtype: String?
    /// Volatile and persistent capacity of a CXL device (hwloc's CXLRAMSize / CXLPMEMSize, in KiB), in bytes.
    public var ramBytes: Int64?
    public var persistentBytes: Int64?
    /// Whether this is CXL-attached memory.
    public var cxl: Bool

    public init(name: String, subtype: String?, ramBytes: Int64?, persistentBytes: Int64?) {
        self.name = name; self.subtype = subtype; self.ramBytes = ramBytes; self.persistentBytes = persistentBytes
        cxl = subtype?.uppercased().contains("CXL") == true
    }
}
