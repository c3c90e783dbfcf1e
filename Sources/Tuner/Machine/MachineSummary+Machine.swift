import Configs
import Probe

extension TunedConfig.MachineSummary {
    /// The summary written into tuned configs: fingerprint, CPU model, cores, ISA and caches as text
    /// ("L1d 48 KiB 12-way").
    public init(machine: Machine) {
        func size(_ b: Int?) -> String {
            guard let b else { return "unknown size" }
            if b >= 1 << 20, b % (1 << 20) == 0 { return "\(b >> 20) MiB" }
            return b % 1024 == 0 ? "\(b >> 10) KiB" : "\(b) B"
        }
        let caches = machine.caches.map { c -> String in
            let ways = c.ways.map { $0 == -1 ? "fully associative" : "\($0)-way" } ?? "ways unknown"
            return "\(c.name) \(size(c.sizeBytes)) \(ways)"
        }
        func ranges(_ xs: [Int]) -> String {
            var parts: [String] = [], i = 0
            let s = xs.sorted()
            while i < s.count {
                var j = i
                while j + 1 < s.count && s[j + 1] == s[j] + 1 { j += 1 }
                parts.append(j > i ? "L#\(s[i])-\(s[j])" : "L#\(s[i])")
                i = j + 1
            }
            return parts.joined(separator: ",")
        }
        let kinds = machine.isHybrid ? machine.coreKindsFastestFirst : []
        let kindLines = kinds.map { k in
            "\(k.name): \(k.cores.map { "\($0) cores" } ?? "cores unknown") \(ranges(k.coreIndexes)), "
                + "\(k.hardwareThreads) threads" + (k.efficiency.map { ", efficiency \($0)" } ?? "")
        }
        let placement = kinds.isEmpty ? nil : "fastest-first: "
            + kinds.map { "\($0.name) \(ranges($0.coreIndexes))" }.joined(separator: ", then ")
        self.init(fingerprint: machine.fingerprint, cpu: machine.cpu.model ?? "unknown", cores: machine.schedulableCores,
                  isa: machine.isa, caches: caches, coreKinds: kinds.isEmpty ? nil : kindLines, placement: placement)
    }
}
