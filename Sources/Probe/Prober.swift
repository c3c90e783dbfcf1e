import CHwloc

/// Builds a `Machine`: from this machine (hwloc + libnuma + /proc/cpuinfo, cross-checked against /sys, plus
/// optional microbenchmarks) or from a saved hwloc XML topology (another machine: no benchmarks, no /sys).
public enum Prober {
    /// Probes the machine this process runs on. The default options run the microbenchmarks (~15 s on 2
    /// cores); pass `.noBenchmarks` for the topology alone.
    public static func probe(options: ProbeOptions = ProbeOptions()) throws -> Machine {
        let topo = try HwlocTopology()
        var warnings: [String] = []

        // Identity: /proc/cpuinfo first (it is what the kernel decoded), hwloc's info attributes as fallback.
        let hw = topo.cpuIdentity()
        let cpuinfo = CPUInfoFile.read()
        var cpu = cpuinfo?.identity ?? CPUIdentity()
        cpu.vendor = cpu.vendor ?? hw.vendor
        cpu.model = cpu.model ?? hw.model
        cpu.family = cpu.family ?? hw.family
        cpu.modelNumber = cpu.modelNumber ?? hw.modelNumber
        cpu.stepping = cpu.stepping ?? hw.stepping
        cpu.architecture = hw.architecture ?? Self.compiledArchitecture
        if let a = hw.model, let b = cpuinfo?.identity.model, a != b {
            warnings.append("CPU model: hwloc \"\(a)\", /proc/cpuinfo \"\(b)\"")
        }
        if cpu.model == nil { warnings.append("CPU model string unknown (neither /proc/cpuinfo nor hwloc has one)") }

        let isa: [String], isaSource: String
        if let flags = cpuinfo?.flags {
            isa = ISAFeatures.canonical(fromFlags: flags); isaSource = "/proc/cpuinfo"
        } else {
            isa = []; isaSource = "unknown"
            warnings.append("/proc/cpuinfo has no flags line: ISA features unknown")
        }

        let kindSets = KindSets(topology: topo.topology)
        var (caches, cacheWarnings) = topo.caches(kinds: kindSets.kinds.count > 1 ? kindSets : nil)
        let sysfs = SysfsTopology(root: options.sysRoot)
        if caches.isEmpty && !sysfs.caches.isEmpty {
            caches = sysfs.caches
            cacheWarnings = ["hwloc reports no caches; using /sys/devices/system/cpu/*/cache instead"]
        } else {
            cacheWarnings += CrossCheck.caches(hwloc: caches, sysfs: sysfs.caches)
        }
        warnings += cacheWarnings

        let libnumaMemory = LibNUMA.nodeMemory()
        let libnumaCPUs = LibNUMA.nodeCPUs()
        var nodes = topo.numaNodes()
        for i in nodes.indices {
            nodes[i].libnumaMemoryBytes = libnumaMemory[nodes[i].index]
            if let cpus = libnumaCPUs[nodes[i].index], cpus != nodes[i].cpus {
                warnings.append("NUMA node \(nodes[i].index) CPUs: hwloc \(nodes[i].cpus), libnuma \(cpus)")
            }
        }
        if libnumaMemory.isEmpty { warnings.append("libnuma reports NUMA unavailable: node memory from hwloc only") }
        let cores = topo.physicalCores(warnings: &warnings)
        warnings += CrossCheck.coresAndMemory(hwlocCores: cores, nodes: nodes, sysfs: sysfs)
        let (kinds, kindWarnings) = topo.coreKinds(kindSets)
        warnings += kindWarnings

        var machine = Machine(source: "this machine", cpu: cpu, isa: isa, isaSource: isaSource,
                              packages: topo.count(HWLOC_OBJ_PACKAGE), cores: cores,
                              hardwareThreads: topo.count(HWLOC_OBJ_PU), caches: caches, numaNodes: nodes,
                              memoryBytes: sysfs.memTotalBytes, warnings: warnings, coreKinds: kinds,
                              memoryDevices: topo.memoryDevices())
        if options.benchmarks {
            let bench = MachineBenchmark(topology: topo, machine: machine, options: options)
            machine.measured = bench.run()
            machine.warnings += bench.warnings
        }
        return machine
    }

    /// Probes a saved hwloc XML topology (`lstopo --of xml`). ISA features come from a `CPUFlags` info
    /// attribute (cpuinfo-style words, as `hwloc-annotate` can add) when the file has one, else are unknown.
    /// Throws `ProbeError.topologyFile` naming the file and hwloc's reason when it cannot be loaded.
    public static func probe(topologyXML path: String) throws -> Machine {
        let topo = try HwlocTopology(xmlPath: path)
        var warnings: [String] = []
        let cpu = topo.cpuIdentity()
        if cpu.model == nil { warnings.append("the topology has no CPUModel info attribute: CPU model unknown") }
        let isa: [String], isaSource: String
        if let flags = topo.info("CPUFlags") {
            isa = ISAFeatures.canonical(fromFlags: flags.split(separator: " ")); isaSource = "hwloc info attribute CPUFlags"
        } else {
            isa = []; isaSource = "unknown"
            warnings.append("the topology has no CPUFlags info attribute: ISA features unknown")
        }
        let kindSets = KindSets(topology: topo.topology)
        let (caches, cacheWarnings) = topo.caches(kinds: kindSets.kinds.count > 1 ? kindSets : nil)
        warnings += cacheWarnings
        let nodes = topo.numaNodes()
        let memory = nodes.compactMap(\.memoryBytes).reduce(0, +)
        let cores = topo.physicalCores(warnings: &warnings)
        let (kinds, kindWarnings) = topo.coreKinds(kindSets)
        warnings += kindWarnings
        return Machine(source: path, cpu: cpu, isa: isa, isaSource: isaSource,
                       packages: topo.count(HWLOC_OBJ_PACKAGE), cores: cores,
                       hardwareThreads: topo.count(HWLOC_OBJ_PU), caches: caches, numaNodes: nodes,
                       memoryBytes: memory > 0 ? memory : nil, warnings: warnings, coreKinds: kinds,
                       memoryDevices: topo.memoryDevices())
    }

    static var compiledArchitecture: String {
        #if arch(x86_64)
        "x86_64"
        #elseif arch(arm64)
        "aarch64"
        #else
        "unknown"
        #endif
    }
}
