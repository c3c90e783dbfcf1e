/// What a journal entry must satisfy before `--resume` trusts it into the search (and its time budget).
/// A journal is trusted-but-foreign data: it may have been edited, truncated or written by another build.
extension JournalEntry {
    /// Why this entry cannot be trusted, or nil. Names the field and the value found.
    public var problem: String? {
        let r = result
        if r.rung < 0 { return "field 'result.rung' is \(r.rung), expected ≥ 0" }
        if r.innerRuns < 1 { return "field 'result.innerRuns' is \(r.innerRuns), expected ≥ 1" }
        if !r.seconds.isFinite || r.seconds < 0 {
            return "field 'result.seconds' is \(r.seconds), expected a finite time ≥ 0"
        }
        for (i, s) in r.samples.enumerated() where !s.isFinite || s < 0 || (r.outcome == .ok && s == 0) {
            return "field 'result.samples[\(i)]' is \(s), expected a finite time \(r.outcome == .ok ? "> 0" : "≥ 0") (seconds)"
        }
        if let g = r.gflops {
            for (name, v) in [("median", g.median), ("min", g.min), ("max", g.max)] where !v.isFinite || v < 0 {
                return "field 'result.gflops.\(name)' is \(v), expected a finite rate ≥ 0 (GFLOP/s)"
            }
            if g.min > g.max { return "field 'result.gflops' has min \(g.min) > max \(g.max)" }
        }
        if r.outcome == .ok, r.gflops == nil { return "field 'result.gflops' is missing for an ok candidate" }
        if r.outcome == .ok, let e = r.maxError, !e.isFinite || e < 0 {
            return "field 'result.maxError' is \(e), expected a finite error ≥ 0 for an ok candidate"
        }
        if let c = r.calibration, !c.isFinite || c <= 0 {
            return "field 'result.calibration' is \(c), expected a finite ratio > 0"
        }
        return nil
    }
}
