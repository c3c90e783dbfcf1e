import Kernels

/// One measured candidate, one line of the journal, appended and flushed as soon as it is measured.
public struct JournalEntry: Codable, Sendable, Equatable {
    /// Always "candidate" (the line's type tag).
    public var type: String = "candidate"
    public var kernel: String
    public var shape: String
    /// ISO-8601 time the measurement finished.
    public var time: String
    public var result: CandidateResult
    /// "cold" or "hot": the weight condition the candidate was timed in (nil in older journals).
    public var condition: String?

    public init(kernel: String, shape: String, time: String, result: CandidateResult, condition: String? = nil) {
        self.kernel = kernel; self.shape = shape; self.time = time; self.result = result; self.condition = condition
    }

    /// The identity resume uses: a candidate is "already measured" when this key is recorded.
    public var key: Key { Key(kernel: kernel, shape: shape, proposal: result.proposal) }

    public struct Key: Hashable, Sendable {
        public var kernel: String
        public var shape: String
        public var proposal: Proposal
        public init(kernel: String, shape: String, proposal: Proposal) {
            self.kernel = kernel; self.shape = shape; self.proposal = proposal
        }
    }
}
