import Configs
import Kernels
import Probe

/// The machine a sweep runs on, in the three forms the tuner needs: the fingerprint that keys journals
/// and configs, the traits kernels derive their spaces and seeds from, and the summary written into
/// the tuned config.
public struct MachineContext: Sendable, Equatable {
    public var fingerprint: String
    public var traits: MachineTraits
    public var summary: TunedConfig.MachineSummary

    public init(fingerprint: String, traits: MachineTraits, summary: TunedConfig.MachineSummary) {
        self.fingerprint = fingerprint; self.traits = traits; self.summary = summary
    }
}

extension MachineContext {
    /// Everything the tuner needs from a probed machine, plus warnings for values that were assumed.
    public static func from(_ machine: Machine) -> (context: MachineContext, warnings: [String]) {
        let (traits, warnings) = MachineTraits.derived(from: machine)
        return (MachineContext(fingerprint: machine.fingerprint, traits: traits,
                               summary: TunedConfig.MachineSummary(machine: machine)), warnings)
    }
}
