import Foundation

/// Any JSON value, for reading ktune's files tolerantly: a field that is missing, null or of another type
/// reads as nil instead of failing the whole file, so files written by older or newer ktune versions (with
/// fields added or dropped) still give every chart they have data for.
public enum JSONValue: Sendable, Equatable, Decodable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    /// Parses `data`; the error names what is wrong (truncated, not JSON).
    public static func parse(_ data: Data) throws(InputError) -> JSONValue {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do { return try decoder.decode(JSONValue.self, from: data) } catch {
            throw InputError(Self.describe(error))
        }
    }

    static func describe(_ error: any Error) -> String {
        if case let DecodingError.dataCorrupted(ctx) = error {
            let under = (ctx.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return "not valid JSON (\(under ?? ctx.debugDescription)); is the file truncated?"
        }
        return "not valid JSON (\(error))"
    }

    public subscript(key: String) -> JSONValue? {
        if case let .object(o) = self { return o[key] }
        return nil
    }

    /// A finite number (also from a numeric string); nil otherwise — "inf"/"nan" never reach a chart.
    public var double: Double? {
        switch self {
        case let .number(d): return d.isFinite ? d : nil
        case let .string(s): return Double(s).flatMap { $0.isFinite ? $0 : nil }
        default: return nil
        }
    }
    /// The value as it appeared, for messages ("-3", "\"nan\"", "null").
    public var text: String {
        switch self {
        case let .number(d): return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
        case let .string(s): return "\"\(s.prefix(40))\""
        case let .bool(b): return String(b)
        case .array: return "an array"
        case .object: return "an object"
        case .null: return "null"
        }
    }
    /// An integer in range, or nil.
    public var int: Int? {
        guard let d = double, d == d.rounded(), abs(d) < 9e15 else { return nil }
        return Int(d)
    }
    public var string: String? { if case let .string(s) = self { return s }; return nil }
    public var bool: Bool? { if case let .bool(b) = self { return b }; return nil }
    public var array: [JSONValue]? { if case let .array(a) = self { return a }; return nil }
    public var object: [String: JSONValue]? { if case let .object(o) = self { return o }; return nil }
}

/// Why an input file could not be used, in words for the report (the file is named by the caller).
public struct InputError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
