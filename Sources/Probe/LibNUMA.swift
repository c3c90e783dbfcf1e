import CNuma

/// libnuma's view of the NUMA nodes (a second library, read alongside hwloc so the two can be compared).
enum LibNUMA {
    /// Node index → memory in bytes (`numa_node_size64`); empty when libnuma reports NUMA unavailable.
    static func nodeMemory() -> [Int: Int64] {
        guard numa_available() >= 0 else { return [:] }
        var out: [Int: Int64] = [:]
        let maxNode = numa_max_node()
        guard maxNode >= 0 else { return [:] }
        for node in 0...maxNode {
            var free: Int64 = 0
            let size = numa_node_size64(node, &free)
            if size > 0 { out[Int(node)] = size }
        }
        return out
    }

    /// Node index → CPUs (`numa_node_to_cpus`).
    static func nodeCPUs() -> [Int: [Int]] {
        guard numa_available() >= 0, let mask = numa_allocate_cpumask() else { return [:] }
        defer { numa_bitmask_free(mask) }
        let maxCPU = numa_num_configured_cpus()
        var out: [Int: [Int]] = [:]
        for node in 0...max(0, numa_max_node()) {
            numa_bitmask_clearall(mask)
            guard numa_node_to_cpus(node, mask) == 0 else { continue }
            out[Int(node)] = (0..<Int(max(0, maxCPU))).filter { numa_bitmask_isbitset(mask, UInt32($0)) != 0 }
        }
        return out
    }
}
