/// How one candidate's measurement ended. Failures are typed results, never crashes (Kernel Tuner's
/// InvalidConfig / RuntimeFailedConfig, OpenTuner's OK / TIMEOUT / ERROR).
public enum CandidateOutcome: String, Codable, Sendable, CaseIterable {
    /// Verified against the reference and timed.
    case ok
    /// Violates the search space's constraints, or the kernel refused the parameters.
    case invalid
    /// Ran, but its output differs from the reference beyond the family's bound. Never emitted.
    case wrongAnswer
    /// A single run took longer than the per-candidate limit relative to the best so far.
    case timeout
    /// The kernel threw while running.
    case failed
}
