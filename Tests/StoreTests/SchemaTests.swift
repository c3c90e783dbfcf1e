#if Store
import Foundation
import PostgresNIO
import Store
import Testing

@Suite struct ServerAvailabilityTests {
    /// Under CI the store tests must run against a real server: a missing one fails here instead of every
    /// store test passing by skipping.
    @Test func ciHasATestServer() {
        let ci = ProcessInfo.processInfo.environment["CI"] == "true"
        if ci {
            #expect(TestServer.available, "CI=true but KTUNE_TEST_STORE is not set: scripts/test.sh starts the server (scripts/pg-test-server.sh)")
        } else if !TestServer.available {
            print("StoreTests: \(TestServer.skipReason); the store tests are skipped")
        }
    }
}

@Suite(.enabled(if: TestServer.available, TestServer.skipReason))
struct SchemaTests {
    @Test func openingANewStoreCreatesEveryTableAtTheCurrentVersion() throws {
        let l = try TestServer.freshDatabase()
        let store = try ResultsStore.open(l)
        defer { store.close() }
        #expect(try Schema.version(store.connection) == Schema.current)
        let rows = try store.connection.query("""
            SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'ktune' ORDER BY 1
            """, "listing tables")
        let tables = try rows.map { try $0.decode(String.self) }
        #expect(tables == ["machines", "measurements", "profile_rows", "runs", "schema_migrations", "sweep_candidates",
                           "sweep_targets", "sweeps", "tuned_configs"])
        // Opening again applies nothing.
        #expect(try Schema.migrate(store.connection).isEmpty)
    }

    @Test func aVersionOneStoreIsMigratedKeepingItsRows() throws {
        let l = try TestServer.freshDatabase()
        let c = try StoreConnection(l)
        defer { c.close() }
        #expect(try Schema.migrate(c, to: 1) == [1])
        try c.query("INSERT INTO ktune.machines (fingerprint, description) VALUES ('aaaa', '{\"cpu\": \"old\"}'::jsonb)", "seeding")
        let sweepTables = "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'ktune' AND table_name = 'sweeps'"
        #expect(try c.query(PostgresQuery(unsafeSQL: sweepTables), "checking").first?.decode(Int64.self) == 0)
        let store = try ResultsStore.open(l)   // migrates 1 → current
        defer { store.close() }
        #expect(try Schema.version(c) == Schema.current)
        let machines = try store.machines()
        #expect(machines.map(\.fingerprint) == ["aaaa"])
        #expect(machines.first?.cpu == "old")
        #expect(try c.query(PostgresQuery(unsafeSQL: sweepTables), "checking").first?.decode(Int64.self) == 1)
    }

    @Test func aStoreWithANewerSchemaIsRefusedUnchanged() throws {
        let l = try TestServer.freshDatabase()
        let c = try StoreConnection(l)
        defer { c.close() }
        try Schema.migrate(c)
        try c.query("INSERT INTO ktune.schema_migrations (version, summary, tool_version) VALUES (99, 'from the future', '9.9')",
                    "seeding a newer version")
        switch Result(catching: { () throws(StoreError) in try ResultsStore.open(l) }) {
        case let .success(s):
            s.close()
            Issue.record("a store at schema 99 was opened")
        case let .failure(e):
            guard case let .newerSchema(_, found, supported) = e else { Issue.record("wrong error: \(e)"); return }
            #expect(found == 99)
            #expect(supported == Schema.current)
            #expect(e.description.contains("newer than this ktune supports"))
            #expect(!e.description.contains(l.password ?? "\u{0}"), "the password must not be printed")
        }
        #expect(try Schema.version(c) == 99)
    }

    @Test func badURLsAreRefusedNamingThePart() {
        #expect(throws: StoreError.self) { try StoreLocation(parsing: "http://u@h/db") }
        #expect(throws: StoreError.self) { try StoreLocation(parsing: "postgres://h/db") }
        #expect(throws: StoreError.self) { try StoreLocation(parsing: "postgres://u@h:99999/db") }
        #expect(throws: StoreError.self) { try StoreLocation(parsing: "postgres://u@h/db?sslmode=maybe") }
        do {
            _ = try StoreLocation(parsing: "postgres://u:secret@h/db?colour=blue")
        } catch {
            #expect("\(error)".contains("colour"))
            #expect(!"\(error)".contains("secret"))
        }
        let ok = try? StoreLocation(parsing: "postgres://fleet:p%40ss@db.example:6543/ktune?sslmode=require")
        #expect(ok?.password == "p@ss")
        #expect(ok?.port == 6543)
        #expect(ok?.tls == .require)
        #expect(ok?.description == "postgres://fleet:***@db.example:6543/ktune")
    }

    @Test func profileRowsAreStoredOnceAndBadOnesRefused() throws {
        let store = try ResultsStore.open(try TestServer.freshDatabase())
        defer { store.close() }
        let row = ProfileRow(fingerprint: "feedfacecafebeef", configHash: "abc", model: "smollm2-135m", nPrompt: 512, nGen: 0,
                             nThreads: 2, avgTs: 812.5, stddevTs: 4.25, samplesTs: [810, 815, 812.5], extra: ["backend": "cpu"])
        var gen = row
        gen.nPrompt = 0; gen.nGen = 128; gen.avgTs = 40.1; gen.samplesTs = [40, 40.2]
        #expect(try store.insertProfileRows([row, gen]) == 2)
        #expect(try store.insertProfileRows([row]) == 0)
        #expect(try store.profileRows(fingerprint: "feedfacecafebeef") == [row, gen])
        var bad = row
        bad.avgTs = .nan
        #expect(throws: StoreError.self) { try store.insertProfileRows([bad]) }
        bad = row
        bad.nThreads = 0
        #expect(throws: StoreError.self) { try store.insertProfileRows([bad]) }
        #expect(try store.profileRows(fingerprint: "feedfacecafebeef").count == 2)
    }
}
#endif
