/// The stable id of a kernel family, as tuned configs, journals and the command line spell it
/// ("matmul", "attention.prefill", …). A typed value so that code compares ids, never string literals;
/// the literals live only in the static constants below (one per family contract).
public struct KernelFamilyID: RawRepresentable, Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    public static func < (a: KernelFamilyID, b: KernelFamilyID) -> Bool { a.rawValue < b.rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}
