/// Why a probe failed. Each case names the file or call and the reason, so the CLI can print it as is.
public enum ProbeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A topology file could not be read or hwloc rejected it; `reason` is hwloc's (or the OS's) message.
    case topologyFile(path: String, reason: String)
    /// An hwloc call on this machine failed.
    case hwloc(call: String, reason: String)

    public var description: String {
        switch self {
        case let .topologyFile(path, reason): "cannot load topology file \(path): \(reason)"
        case let .hwloc(call, reason): "hwloc: \(call) failed: \(reason)"
        }
    }
}
