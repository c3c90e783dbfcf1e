extension Op {
    /// An op recorded by an executor (the CPU profiler) rather than built by `OpGraph`: one occurrence
    /// (`layers` empty) with the shape, FLOPs and bytes the executor ran. Lets the simulator price the
    /// same op sequence the CPU ran.
    public static func recorded(name: String, kind: Kind, placement: Placement = .model, m: Int = 0, n: Int = 0, k: Int = 0,
                                flops: Double, weightBytes: Double, activationBytes: Double, kvBytes: Double = 0) -> Op {
        Op(name: name, kind: kind, placement: placement, layers: 0..<0, m: m, n: n, k: k, flops: flops,
           parameters: Double(n * k), activeParameters: Double(n * k), weightBytes: weightBytes,
           activationBytes: activationBytes, kvBytes: kvBytes)
    }
}
