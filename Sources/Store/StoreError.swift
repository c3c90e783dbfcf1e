import Foundation
import NIOCore
import NIOPosix
import PostgresNIO

/// Everything that can go wrong talking to the results store, each with a message that names the store
/// (password hidden), what failed and what to do. Local work never depends on these: callers that can go
/// on without the store print the message as a warning and continue.
public enum StoreError: Error, CustomStringConvertible, Sendable {
    /// `--store` / `KTUNE_STORE` is not a usable PostgreSQL URL.
    case badLocation(text: String, reason: String)
    /// No server answered (refused, unreachable, timed out, DNS).
    case unreachable(store: String, reason: String)
    /// The server refused the login (wrong user, password or database).
    case authentication(store: String, reason: String)
    /// The store's schema is newer than this ktune knows.
    case newerSchema(store: String, found: Int, supported: Int)
    /// The store has ktune's tables in a state this ktune cannot use.
    case badSchema(store: String, reason: String)
    /// A statement failed on the server.
    case server(store: String, action: String, reason: String)
    /// A row in the store does not decode (written by something else, or edited by hand).
    case badRow(store: String, table: String, reason: String)
    /// A file given to push/pull cannot be used.
    case file(path: String, reason: String)
    /// The sweep belongs to another machine (or another search space): its measurements are not valid here.
    case foreignSweep(sweep: String, field: String, found: String, expected: String)
    /// Asked for something the store does not hold.
    case notFound(store: String, what: String)

    public var description: String {
        switch self {
        case let .badLocation(text, reason):
            return "store URL '\(text)': \(reason)"
        case let .unreachable(store, reason):
            return "store \(store) is unreachable: \(reason)"
        case let .authentication(store, reason):
            return "store \(store) refused the login: \(reason) (check the user and password in --store / \(StoreLocation.environmentVariable))"
        case let .newerSchema(store, found, supported):
            return "store \(store) has schema version \(found), newer than this ktune supports (\(supported)); upgrade ktune to use it (nothing was changed in the store)"
        case let .badSchema(store, reason):
            return "store \(store): \(reason)"
        case let .server(store, action, reason):
            return "store \(store): \(action) failed: \(reason)"
        case let .badRow(store, table, reason):
            return "store \(store): a row of table '\(table)' does not decode: \(reason)"
        case let .file(path, reason):
            return "\(path): \(reason)"
        case let .foreignSweep(sweep, field, found, expected):
            return "sweep '\(sweep)' was planned with \(field) \(found), this worker has \(expected); refused (a sweep's measurements are only valid on machines with the same fingerprint and search space)"
        case let .notFound(store, what):
            return "store \(store): \(what)"
        }
    }

    /// True when the store could not be used at all (as opposed to a refused request): the caller keeps its
    /// work local and says how to push it later.
    public var isConnectionProblem: Bool {
        switch self {
        case .unreachable, .authentication, .newerSchema, .badSchema, .badLocation: return true
        default: return false
        }
    }

    /// Translates a PostgresNIO or NIO error into a message that says what happened. PSQLError's own
    /// description is deliberately generic; the server's message and SQLSTATE are in `serverInfo`.
    static func from(_ error: any Error, store: StoreLocation, action: String) -> StoreError {
        if let e = error as? StoreError { return e }
        let name = store.description
        if let e = error as? PSQLError {
            if let info = e.serverInfo {
                let state = info[.sqlState] ?? ""
                let message = info[.message] ?? "server error"
                let detail = [info[.detail], info[.hint]].compactMap { $0 }.joined(separator: "; ")
                let text = "\(message)\(detail.isEmpty ? "" : " (\(detail))") [SQLSTATE \(state)]"
                // Class 28: invalid authorization; 3D000: database does not exist.
                if state.hasPrefix("28") || state == "3D000" { return .authentication(store: name, reason: text) }
                return .server(store: name, action: action, reason: text)
            }
            if let u = e.underlying { return .unreachable(store: name, reason: describeIO(u)) }
            switch e.code {
            case .connectionError, .serverClosedConnection, .uncleanShutdown:
                return .unreachable(store: name, reason: "\(e.code)")
            case .authMechanismRequiresPassword, .unsupportedAuthMechanism, .saslError:
                return .authentication(store: name, reason: "\(e.code)")
            default:
                return .server(store: name, action: action, reason: "\(e.code)")
            }
        }
        if let e = error as? PostgresDecodingError {
            return .badRow(store: name, table: action, reason: "column '\(e.columnName)': \(e.code) (postgres type \(e.postgresType))")
        }
        if error is ChannelError || error is IOError || error is NIOConnectionError || "\(type(of: error))".contains("Connect") {
            return .unreachable(store: name, reason: describeIO(error))
        }
        return .server(store: name, action: action, reason: "\(error)")
    }

    private static func describeIO(_ error: any Error) -> String {
        if let e = error as? NIOConnectionError {
            let inner = e.connectionErrors.map { "\($0.target): \(describeIO($0.error))" }
            if let dns = e.dnsAAAAError ?? e.dnsAError { return "cannot resolve host (\(dns))" }
            return inner.isEmpty ? "\(e)" : inner.joined(separator: "; ")
        }
        if let e = error as? IOError { return "\(e.description)" }
        if let e = error as? ChannelError {
            if case .connectTimeout(let t) = e { return "connect timed out after \(Double(t.nanoseconds) / 1e9) s" }
            return "\(e)"
        }
        return "\(error)"
    }
}
