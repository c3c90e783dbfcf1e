#if Store
import Configs
import Foundation
import Store
import Testing

/// An unusable store never stops local work: tune still writes its journal and config, and says how to
/// upload them later; the store commands fail with a message naming the store and the reason.
@Suite(.enabled(if: TestServer.available, TestServer.skipReason), .serialized)
struct BadInputTests {
    func tuneLocally(store url: String, worker: Bool = false) throws -> (status: Int32, err: String, configWritten: Bool) {
        let home = try KTuneBinary.home()
        let r = try KTuneBinary.run(KTuneBinary.sweepArguments(out: home + "/c.json", journal: home + "/c.jsonl", maxEvals: 2)
                                    + ["--store", url] + (worker ? ["--worker"] : []), home: home)
        let written = FileManager.default.fileExists(atPath: home + "/c.json")
            && ((try? String(contentsOfFile: home + "/c.jsonl", encoding: .utf8))?.split(separator: "\n").count ?? 0) == 5
        return (r.status, r.err, written)
    }

    @Test func anUnreachableServerLeavesTuningLocal() throws {
        let url = "postgres://ktune:pw@127.0.0.1:\(TestServer.closedPort())/ktune"
        for worker in [false, true] {
            let r = try tuneLocally(store: url, worker: worker)
            #expect(r.status == 0, "\(r.err)")
            #expect(r.configWritten)
            #expect(r.err.contains("is unreachable"), "\(r.err)")
            #expect(!r.err.contains("pw@"), "the password must not be printed")
        }
        let local = try tuneLocally(store: url)
        #expect(local.err.contains("ktune store push --journal"), "\(local.err)")
        let home = try KTuneBinary.home()
        let push = try KTuneBinary.run(["store", "list", "--store", url], home: home)
        #expect(push.status != 0)
        #expect(push.err.contains("store postgres://ktune:***@127.0.0.1"), "\(push.err)")
        #expect(push.err.contains("is unreachable"))
    }

    @Test func wrongCredentialsAreNamedAndTuningGoesOn() throws {
        var l = try TestServer.freshDatabase()
        l.password = "not-the-password"
        let r = try tuneLocally(store: TestServer.urlString(l))
        #expect(r.status == 0, "\(r.err)")
        #expect(r.configWritten)
        #expect(r.err.contains("refused the login"), "\(r.err)")
        #expect(r.err.contains("password authentication failed"), "\(r.err)")
        #expect(!r.err.contains("not-the-password"))
    }

    @Test func aNewerSchemaIsRefusedAndTuningGoesOn() throws {
        let l = try TestServer.freshDatabase()
        let c = try StoreConnection(l)
        defer { c.close() }
        try Schema.migrate(c)
        try c.query("INSERT INTO ktune.schema_migrations (version, summary, tool_version) VALUES (\(Schema.current + 1), 'next', '9')",
                    "seeding a newer version")
        let url = TestServer.urlString(l)
        let r = try tuneLocally(store: url)
        #expect(r.status == 0, "\(r.err)")
        #expect(r.configWritten)
        #expect(r.err.contains("has schema version \(Schema.current + 1), newer than this ktune supports (\(Schema.current))"), "\(r.err)")
        let home = try KTuneBinary.home()
        let list = try KTuneBinary.run(["store", "list", "--store", url], home: home)
        #expect(list.status != 0)
        #expect(list.err.contains("newer than this ktune supports"))
    }

    @Test func malformedInputIsAClearError() throws {
        let home = try KTuneBinary.home()
        let scheme = try KTuneBinary.run(["tune", "--store", "mysql://u@h/db", "--kernel", "matmul", "--shape", "8x8x8"], home: home)
        #expect(scheme.status != 0)
        #expect(scheme.err.contains("scheme 'mysql' is not postgres://"), "\(scheme.err)")
        let adaptive = try KTuneBinary.run(["tune", "--store", "postgres://u@127.0.0.1/db", "--worker", "--kernel", "matmul",
                                            "--shape", "16x64x64", "--max-evals", "2", "--no-calibration"], home: home)
        #expect(adaptive.status != 0)
        #expect(adaptive.err.contains("cannot be split across workers"), "\(adaptive.err)")
        // A journal that is not one: refused naming the file and line.
        let bad = home + "/bad.jsonl"
        try "{\"type\": \"header\"}\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let l = try TestServer.freshDatabase()
        let push = try KTuneBinary.run(["store", "push", "--store", TestServer.urlString(l), "--journal", bad], home: home)
        #expect(push.status != 0)
        #expect(push.err.contains("\(bad): line 1 is not a journal header"), "\(push.err)")
    }
}
#endif
