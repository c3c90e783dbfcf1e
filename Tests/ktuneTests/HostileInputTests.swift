import Foundation
import Testing

/// Hostile inputs through the real binary, each bounded by a deadline: a FIFO, a directory or a device
/// where a file is expected, a topology nested too deep, absurd flags. Each must end with a clean error
/// naming the input, never a crash (signal), a hang (the deadline) or a file written next to the input.
@Suite(.serialized) struct HostileInputTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    struct Run { var status: Int32; var signalled: Bool; var timedOut: Bool; var err: String; var out: String }

    /// Runs ktune with `arguments`, killing it after `deadline` seconds.
    func ktune(_ arguments: [String], deadline: Double = 60) throws -> Run {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("ktune").path) && dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        let p = Process()
        p.executableURL = dir.appendingPathComponent("ktune")
        p.arguments = arguments
        let id = UUID().uuidString
        let outURL = scratch().appendingPathComponent("out-\(id)"), errURL = scratch().appendingPathComponent("err-\(id)")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: outURL)
        p.standardError = try FileHandle(forWritingTo: errURL)
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let start = Date()
        var timedOut = false
        while p.isRunning {
            if Date().timeIntervalSince(start) > deadline { timedOut = true; p.terminate(); kill(p.processIdentifier, SIGKILL); break }
            usleep(20_000)
        }
        p.waitUntilExit()
        return Run(status: p.terminationStatus, signalled: p.terminationReason == .uncaughtSignal && !timedOut,
                   timedOut: timedOut, err: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "",
                   out: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "")
    }

    func scratch() -> URL {
        let u = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("ktune-hostile-\(getpid())")
        try? FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }

    func fifo(_ name: String) -> String {
        let p = scratch().appendingPathComponent(name).path
        unlink(p)
        #expect(mkfifo(p, 0o600) == 0)
        return p
    }

    func expectCleanRefusal(_ r: Run, naming: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!r.timedOut, "hung (killed at the deadline)", sourceLocation: sourceLocation)
        #expect(!r.signalled, "crashed with a signal; stderr: \(r.err)", sourceLocation: sourceLocation)
        #expect(r.status != 0, sourceLocation: sourceLocation)
        #expect(r.err.contains(naming), "stderr does not name '\(naming)': \(r.err)", sourceLocation: sourceLocation)
    }

    // Class 3: special files.

    @Test func fifoAsTopologyIsRefusedWithoutBlocking() throws {
        let path = fifo("topology.xml")
        let r = try ktune(["probe", "--topology", path], deadline: 30)
        expectCleanRefusal(r, naming: path)
        #expect(r.err.contains("FIFO"))
    }

    @Test func directoryAsTopologyIsRefused() throws {
        let path = scratch().path
        let r = try ktune(["probe", "--topology", path], deadline: 30)
        expectCleanRefusal(r, naming: path)
        #expect(r.err.contains("directory"))
    }

    @Test func fifoAndDeviceAsModelAreRefusedWithoutBlocking() throws {
        for path in [fifo("model.gguf"), "/dev/zero"] {
            let r = try ktune(["generate", "--model", path, "--prompt", "hi", "--max-tokens", "1"], deadline: 60)
            expectCleanRefusal(r, naming: path)
            #expect(r.err.contains("regular file"))
        }
    }

    // Class 6: libraries we call.

    @Test func deeplyNestedTopologyIsRefusedNamingTheDepth() throws {
        let path = scratch().appendingPathComponent("nested.xml").path
        let xml = "<?xml version=\"1.0\"?><topology>" + String(repeating: "<object type=\"Group\">", count: 100_000)
            + String(repeating: "</object>", count: 100_000) + "</topology>"
        try xml.write(toFile: path, atomically: true, encoding: .utf8)
        let r = try ktune(["probe", "--topology", path, "--no-bench"], deadline: 30)
        expectCleanRefusal(r, naming: path)
        #expect(r.err.contains("nest"))
    }

    @Test func infiniteCpusetTopologyEndsWithinTheDeadline() throws {
        let path = Self.root.appendingPathComponent("fuzz/corpus/hwloc/infinite-cpuset.xml").path
        let r = try ktune(["probe", "--topology", path, "--no-bench"], deadline: 30)
        #expect(!r.timedOut)
        #expect(!r.signalled)
        #expect(!r.out.contains("nan") && !r.out.contains(" inf "))
    }

    /// Regression for the hwloc fuzz harness's finding: hwloc 2.9 itself segfaults loading this file (a root
    /// object whose complete_cpuset attribute is misspelt). The probe's isolated trial load turns that into
    /// a typed refusal naming the file.
    @Test func topologyThatCrashesHwlocIsRefusedNotCrashed() throws {
        let path = Self.root.appendingPathComponent("fuzz/regressions/hwloc-missing-complete-cpuset.xml").path
        let r = try ktune(["probe", "--topology", path, "--no-bench"], deadline: 30)
        expectCleanRefusal(r, naming: path)
        #expect(r.err.contains("crashed"))
    }

    /// Regression for the second campaign's out-of-memory finding: hwloc 2.9 spends 21 s and 5.8 GB on
    /// this 757-byte file (a complete_cpuset of "0xf}}}}...f"). Malformed bitmaps are refused before hwloc
    /// sees the file, naming the attribute.
    @Test func malformedCpusetIsRefusedBeforeHwlocAllocates() throws {
        let path = Self.root.appendingPathComponent("fuzz/regressions/hwloc-malformed-cpuset-oom.xml").path
        let start = Date()
        let r = try ktune(["probe", "--topology", path, "--no-bench"], deadline: 30)
        expectCleanRefusal(r, naming: path)
        #expect(r.err.contains("complete_cpuset") && r.err.contains("not an hwloc bitmap"), "\(r.err)")
        #expect(Date().timeIntervalSince(start) < 10)
    }

    /// hwloc sets bit os_index of a bitmap: os_index="4294967294" cost 1.6 GB and 9 s in hwloc 2.9.
    @Test func hugeOSIndexIsRefusedBeforeHwlocAllocates() throws {
        let path = Self.root.appendingPathComponent("fuzz/regressions/hwloc-huge-os-index.xml").path
        let start = Date()
        let r = try ktune(["probe", "--topology", path, "--no-bench"], deadline: 30)
        expectCleanRefusal(r, naming: path)
        #expect(r.err.contains("os_index"), "\(r.err)")
        #expect(Date().timeIntervalSince(start) < 10)
    }

    // Class 2: unbounded resources on the command line.

    @Test func absurdThreadCountIsRefusedWithTheLimit() throws {
        let r = try ktune(["bench", "matmul", "--shape", "1x64x64", "--threads", "1000000"], deadline: 30)
        expectCleanRefusal(r, naming: "--threads 1000000")
    }

    @Test func benchShapeLargerThanMemoryIsRefusedWithTheNumberNeeded() throws {
        let r = try ktune(["bench", "matmul", "--shape", "40000x40000x40000"], deadline: 30)
        #expect(!r.timedOut && !r.signalled)
        #expect(r.status != 0)
        #expect(r.err.contains("MB for its operands"), "\(r.err)")
    }

    @Test func promptTokensBeyondTheContextAreRefused() throws {
        let model = Self.root.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
        let r = try ktune(["generate", "--model", model, "--prompt", "hi", "--prompt-tokens", "5000", "--context", "64"], deadline: 30)
        expectCleanRefusal(r, naming: "--prompt-tokens 5000")
    }

    @Test func contextLargerThanMemoryIsRefusedBeforeAllocating() throws {
        let model = Self.root.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
        guard FileManager.default.fileExists(atPath: model) else { return }
        let r = try ktune(["generate", "--model", model, "--synthetic", "llama-3-70b", "--prompt", "hi",
                           "--context", "100000000", "--max-tokens", "1"], deadline: 60)
        expectCleanRefusal(r, naming: "--context 100000000")
        #expect(r.err.contains("bytes"))
    }
}
