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
        self.init(fingerprint: machine.fingerprint, cpu: machine.cpu.model ?? "unknown", cores: machine.schedulableCores,
                  isa: machine.isa, caches: caches)
    }
}
