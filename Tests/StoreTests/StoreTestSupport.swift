#if Store
import Foundation
import PostgresNIO
import Store
import Testing

/// The PostgreSQL server the tests use: `KTUNE_TEST_STORE` (scripts/test.sh starts one with
/// scripts/pg-test-server.sh). Without it the store tests skip locally and fail under CI=true.
enum TestServer {
    static let url = ProcessInfo.processInfo.environment["KTUNE_TEST_STORE"].flatMap { $0.isEmpty ? nil : $0 }
    static var available: Bool { url != nil }
    static let skipReason: Comment = "KTUNE_TEST_STORE is not set: run scripts/test.sh, or eval \"$(scripts/pg-test-server.sh start)\" first"

    /// A new, empty database on the test server, so every test has a store of its own.
    static func freshDatabase(_ tag: String = #function) throws -> StoreLocation {
        let admin = try StoreLocation(parsing: try #require(url))
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        let c = try StoreConnection(admin)
        defer { c.close() }
        // An identifier cannot be a bound parameter; this one is generated here from hex digits only.
        try c.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), "creating test database")
        var l = admin
        l.database = String(name)
        return l
    }

    /// The location as a URL string with its real password (for the ktune command line).
    static func urlString(_ l: StoreLocation) -> String {
        "postgres://\(l.user)\(l.password.map { ":\($0)" } ?? "")@\(l.host):\(l.port)/\(l.database)"
    }

    /// A loopback port nothing listens on.
    static func closedPort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        close(fd)
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

/// The real ktune binary, built next to the test bundle (with the Store trait under scripts/test.sh).
enum KTuneBinary {
    static var path: String {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("ktune").path) && dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("ktune").path
    }

    /// A scratch directory used as KTUNE_HOME (configs, store cache) for one test.
    static func home() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ktune-store-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func environment(home: String) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["KTUNE_HOME"] = home
        env["KTUNE_STORE"] = nil
        env["KTUNE_CONFIG"] = nil
        return env
    }

    /// Starts ktune with `arguments`; output goes to files under `home` (no pipe to fill up).
    static func start(_ arguments: [String], home: String, tag: String) throws -> Running {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        p.environment = environment(home: home)
        let out = home + "/\(tag).out", err = home + "/\(tag).err"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        p.standardOutput = FileHandle(forWritingAtPath: out)
        p.standardError = FileHandle(forWritingAtPath: err)
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return Running(process: p, outPath: out, errPath: err)
    }

    struct Running {
        var process: Process
        var outPath: String
        var errPath: String
        var pid: Int32 { process.processIdentifier }

        /// Waits at most `seconds` (then kills it and fails): no test hangs on a stuck worker.
        func wait(seconds: Double = 300) -> (status: Int32, out: String, err: String) {
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning {
                kill(pid, SIGKILL)
                process.waitUntilExit()
                Issue.record("ktune \(process.arguments ?? []) did not finish in \(seconds) s; killed")
            }
            process.waitUntilExit()
            return (process.terminationStatus, output, errors)
        }

        var output: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }
        var errors: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }
    }

    static func run(_ arguments: [String], home: String, tag: String = "run") throws -> (status: Int32, out: String, err: String) {
        try start(arguments, home: home, tag: tag).wait()
    }

    /// A small single-thread matmul sweep: every point of a two-shape space, capped per shape.
    static func sweepArguments(out: String, journal: String, maxEvals: Int = 8) -> [String] {
        ["tune", "--kernel", "matmul", "--shape", "16x64x64", "--shape", "32x64x128", "--strategy", "exhaustive",
         "--max-evals", "\(maxEvals)", "--threads", "1", "--no-calibration", "--out", out, "--journal", journal]
    }
}
#endif
