import Configs
import Kernels

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
