import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// One PostgreSQL connection, used synchronously: the tuner measures on the calling thread and talks to
/// the store between measurements, so every call here blocks until the server answered. Statements are
/// `PostgresQuery` values, whose interpolations are sent as bound parameters (never spliced into the SQL).
///
/// The connection runs on an event loop of its own (one thread), so blocking the caller never blocks the
/// I/O it waits for.
public final class StoreConnection {
    public let location: StoreLocation
    private let group: MultiThreadedEventLoopGroup
    private let connection: PostgresConnection
    private let logger: Logger
    private var closed = false

    /// Connects and logs in; throws `.unreachable` / `.authentication` with the server's reason.
    public init(_ location: StoreLocation) throws(StoreError) {
        self.location = location
        var logger = Logger(label: "ktune.store")
        logger.logLevel = .critical
        self.logger = logger
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.group = group
        do {
            let tls: PostgresConnection.Configuration.TLS
            switch location.tls {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
            var config = PostgresConnection.Configuration(host: location.host, port: location.port, username: location.user,
                                                          password: location.password, database: location.database, tls: tls)
            config.options.connectTimeout = .milliseconds(Int64(location.connectTimeout * 1000))
            connection = try PostgresConnection.connect(on: group.next(), configuration: config, id: 1, logger: logger).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw StoreError.from(error, store: location, action: "connecting")
        }
    }

    deinit { close() }

    /// Closes the connection and its event loop (idempotent).
    public func close() {
        guard !closed else { return }
        closed = true
        try? connection.close().wait()
        try? group.syncShutdownGracefully()
    }

    /// Runs one statement and returns its rows. `action` names it in error messages ("pushing the journal").
    @discardableResult
    public func query(_ query: PostgresQuery, _ action: String) throws(StoreError) -> [PostgresRow] {
        do {
            return try connection.query(query, logger: logger).wait().rows
        } catch {
            throw StoreError.from(error, store: location, action: action)
        }
    }

    /// Sends a prepared statement and returns at once; `wait()` on the answer blocks until the server
    /// replied. PostgresNIO parses and plans it once per connection (the first call prepares it under
    /// `Statement.name`) and afterwards only binds and executes it: for a statement run once per batch of
    /// candidates, where parsing and planning were most of the server's time (0.9 ms of 1.5 ms). Lets a worker measure its next candidate while the store records the last one. One
    /// statement in flight at a time per connection is the caller's rule (PostgresNIO queues a second
    /// one behind it, so it stays correct, just no faster).
    public func start<Statement: PostgresPreparedStatement>(_ statement: Statement, _ action: String) -> Pending
    where Statement.Row == PostgresRow {
        let connection = connection, logger = logger
        // The connection's API for prepared statements is async; its event loop is a thread of its own,
        // so waiting on the task's future from this thread cannot block the I/O it waits for.
        let future = group.next().makeFutureWithTask {
            var rows: [PostgresRow] = []
            for try await row in try await connection.execute(statement, logger: logger) { rows.append(row) }
            return rows
        }
        return Pending(future: future, location: location, action: action)
    }

    /// A statement sent with `start(_:_:)` whose answer has not been read yet.
    public struct Pending {
        fileprivate let future: EventLoopFuture<[PostgresRow]>
        fileprivate let location: StoreLocation
        public let action: String

        /// The statement's rows, once the server answered (blocks until then).
        public func wait() throws(StoreError) -> [PostgresRow] {
            do { return try future.wait() } catch { throw StoreError.from(error, store: location, action: action) }
        }
    }

    /// Runs `body` inside BEGIN … COMMIT; rolls back when it throws.
    public func transaction<T>(_ action: String, _ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try query("BEGIN", action)
        do {
            let value = try body()
            try query("COMMIT", action)
            return value
        } catch {
            _ = try? query("ROLLBACK", action)
            throw error
        }
    }

    /// Runs `body` (row decoding) and turns a decoding failure into `.badRow` naming `table`.
    public func decoding<T>(_ table: String, _ body: () throws -> T) throws(StoreError) -> T {
        do {
            return try body()
        } catch {
            throw StoreError.from(error, store: location, action: table)
        }
    }
}
