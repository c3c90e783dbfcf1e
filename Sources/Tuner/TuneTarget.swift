import KernelContract

/// One thing to tune: a kernel family at one shape key, with the model ops that use it.
public struct TuneTarget: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The kernel family.
    public var kernel: KernelFamilyID
    /// Shape key in the family's grammar ("512x576x576", "T=512,past=0,h=9,kv=3,d=64", …).
    public var shape: String
    /// Where the shape comes from, e.g. ["prefill: q_proj, o_proj", "decode: …"]; empty for --shape flags.
    public var uses: [String]
    /// How many times one forward pass runs it, summed over phases (0 when unknown).
    public var callsPerForward: Int

    public init(kernel: KernelFamilyID, shape: String, uses: [String] = [], callsPerForward: Int = 0) {
        self.kernel = kernel; self.shape = shape; self.uses = uses; self.callsPerForward = callsPerForward
    }

    public var description: String { "\(kernel) \(shape)" }
}
