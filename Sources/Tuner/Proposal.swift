import Kernels

/// A candidate a strategy asks the driver to measure.
///
/// `rung` is the measurement fidelity (successive halving): rung 0 is a quick screen, each higher rung
/// doubles the repeat cap, so a strategy can screen many points cheaply and confirm few carefully.
public struct Proposal: Hashable, Sendable, CustomStringConvertible {
    public var params: ParameterSet
    public var rung: Int

    public init(_ params: ParameterSet, rung: Int = 0) {
        self.params = params
        self.rung = rung
    }

    public var description: String { rung == 0 ? params.description : "\(params) @rung\(rung)" }
}

/// What the driver tells a strategy about a measured proposal.
public struct Observation: Sendable, Equatable {
    public var outcome: CandidateOutcome
    /// Median GFLOP/s when `outcome == .ok`.
    public var gflops: Double?

    public init(outcome: CandidateOutcome, gflops: Double?) {
        self.outcome = outcome
        self.gflops = gflops
    }

    /// The score strategies maximise: GFLOP/s, or nil for anything that must never win.
    public var score: Double? { outcome == .ok ? gflops : nil }
}

/// How much of a shape's budget is spent, so adaptive strategies can leave room for confirmation.
public struct BudgetProgress: Sendable, Equatable {
    /// Measurements made so far (including ones replayed from a journal).
    public var evaluations: Int
    /// Fraction of the budget used, 0...1: the larger of the evaluation and time fractions.
    public var fraction: Double

    public init(evaluations: Int, fraction: Double) {
        self.evaluations = evaluations
        self.fraction = fraction
    }
}
