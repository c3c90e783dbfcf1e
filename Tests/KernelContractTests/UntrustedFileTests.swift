import Foundation
import Testing
import KernelContract

/// The bounded, type-checked reader every loader of outside files goes through.
@Suite struct UntrustedFileTests {
    func dir() -> String {
        let p = NSTemporaryDirectory() + "ktune-uf-\(getpid())-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        return p
    }

    @Test func readsARegularFile() throws {
        let p = dir() + "/a.txt"
        try "hello".write(toFile: p, atomically: true, encoding: .utf8)
        #expect(try UntrustedFile.read(p, cap: 100) == Array("hello".utf8))
    }

    @Test func refusesSpecialFilesWithoutBlocking() throws {
        let d = dir()
        let fifo = d + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        for (p, kind) in [(fifo, "FIFO"), (d, "directory"), ("/dev/zero", "character device")] {
            do { _ = try UntrustedFile.read(p, cap: 1 << 20); Issue.record("\(p) was read") } catch {
                #expect(error.kind == .notRegular)
                #expect(error.description.contains(p) && error.description.contains(kind))
            }
        }
    }

    @Test func refusesAFileLargerThanItsCapNamingTheSize() throws {
        let p = dir() + "/big"
        try Data(count: 4097).write(to: URL(fileURLWithPath: p))
        do { _ = try UntrustedFile.read(p, cap: 4096); Issue.record("read past the cap") } catch {
            #expect(error.kind == .tooLarge)
            #expect(error.detail.contains("4097 bytes") && error.detail.contains("4096"))
        }
    }

    @Test func missingFileIsTyped() {
        do { _ = try UntrustedFile.read("/nonexistent/ktune", cap: 10); Issue.record("read") } catch {
            #expect(error.kind == .missing)
        }
    }
}
