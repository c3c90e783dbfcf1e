import Foundation

/// Where the shared results store is: a PostgreSQL URL, `postgres://user:password@host:port/database`,
/// from `--store` or the `KTUNE_STORE` environment variable. `?sslmode=disable|prefer|require` picks TLS
/// (default `disable`; `prefer` and `require` use the system's trust roots).
public struct StoreLocation: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable { case disable, prefer, require }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    /// The environment variable read when `--store` is not given.
    public static let environmentVariable = "KTUNE_STORE"

    /// Parses `text`; the error names the part that is wrong and what was expected.
    public init(parsing text: String) throws(StoreError) {
        func bad(_ why: String) -> StoreError { .badLocation(text: Self.redact(text), reason: why) }
        guard let c = URLComponents(string: text) else { throw bad("not a URL; expected postgres://user:password@host:port/database") }
        guard let scheme = c.scheme, scheme == "postgres" || scheme == "postgresql" else {
            throw bad("scheme '\(c.scheme ?? "")' is not postgres:// or postgresql://")
        }
        guard let host = c.host, !host.isEmpty else { throw bad("no host; expected postgres://user@host:port/database") }
        self.host = host
        if let p = c.port {
            guard (1...65535).contains(p) else { throw bad("port \(p) is not in 1...65535") }
            port = p
        } else {
            port = 5432
        }
        guard let user = c.user, !user.isEmpty else { throw bad("no user; expected postgres://user@host/database") }
        self.user = user.removingPercentEncoding ?? user
        password = c.password.map { $0.removingPercentEncoding ?? $0 }
        let db = c.path.hasPrefix("/") ? String(c.path.dropFirst()) : c.path
        database = db.isEmpty ? self.user : db
        tls = .disable
        for item in c.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let v = item.value, let m = TLSMode(rawValue: v) else {
                    throw bad("sslmode '\(item.value ?? "")' is not one of disable, prefer, require")
                }
                tls = m
            case "connect_timeout":
                guard let v = item.value, let s = Double(v), s > 0, s <= 600 else {
                    throw bad("connect_timeout '\(item.value ?? "")' is not a number of seconds in (0, 600]")
                }
                connectTimeout = s
            default:
                throw bad("unknown parameter '\(item.name)'; known: sslmode, connect_timeout")
            }
        }
    }

    /// Seconds to wait for the TCP connection and login before giving up.
    public var connectTimeout: Double = 5

    /// `--store` if given, else `$KTUNE_STORE`, else nil (no store: local files only).
    public static func resolve(flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws(StoreError) -> StoreLocation? {
        if let flag, !flag.isEmpty { return try StoreLocation(parsing: flag) }
        if let env = environment[environmentVariable], !env.isEmpty { return try StoreLocation(parsing: env) }
        return nil
    }

    /// The URL with the password replaced by `***`, safe to print and log.
    public var description: String {
        let auth = password == nil ? user : "\(user):***"
        return "postgres://\(auth)@\(host):\(port)/\(database)"
    }

    /// `text` with anything between `user:` and `@` replaced by `***`.
    static func redact(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@"), let scheme = text.range(of: "://"),
              let colon = text[scheme.upperBound..<at].firstIndex(of: ":") else { return text }
        return String(text[..<text.index(after: colon)]) + "***" + String(text[at...])
    }
}
