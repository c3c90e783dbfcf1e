/// Overflow-checked element counts for shape validation: a shape whose buffers would exceed the address
/// space is a typed error before any arithmetic in `-Ounchecked` code can wrap.
enum ShapeArithmetic {
    /// The product of `factors` when it and its byte size (×4) fit in an Int and stay below 2⁵⁶ bytes
    /// (no machine maps more), nil otherwise; non-positive factors give nil too.
    static func floats(_ factors: Int...) -> Int? {
        var total = 1
        for f in factors {
            guard f >= 0 else { return nil }
            let (r, o) = total.multipliedReportingOverflow(by: f)
            if o || r > (1 << 54) { return nil }
            total = r
        }
        return total
    }
}
