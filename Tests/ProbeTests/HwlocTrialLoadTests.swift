import Foundation
import Testing
@testable import Probe

/// The isolated trial load of an untrusted topology (hwloc's XML loader crashes on some malformed files).
/// Found by the hwloc fuzz harness: libFuzzer's SIGSEGV handler, inherited by the forked child, turned the
/// child's crash into `exit(1)`; the parent took any non-signal end as success, loaded the file itself and
/// crashed. The child now restores the default crash handlers and the parent refuses any abnormal end.
@Suite(.serialized) struct HwlocTrialLoadTests {
    static let regression = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fuzz/regressions/hwloc-crash-exit-handler.xml").path

    @Test func aCrashIsRefusedEvenUnderAnInheritedHandlerThatExits() throws {
        // What libFuzzer (or a sanitizer) installs: a handler that ends the process with an exit status.
        var previous = sigaction()
        var exiting = sigaction()
        exiting.__sigaction_handler.sa_handler = { _ in _exit(1) }
        sigemptyset(&exiting.sa_mask)
        sigaction(SIGSEGV, &exiting, &previous)
        defer { sigaction(SIGSEGV, &previous, nil) }
        #expect {
            try HwlocTrialLoad.check(path: Self.regression)
        } throws: { e in
            let text = "\(e)"
            return text.contains(Self.regression) && text.contains("crashed") && text.contains("signal 11")
        }
    }

    @Test func aWellFormedTopologyPassesTheTrial() throws {
        let shipped = TopologyFileTests.shippedFiles
        try #require(!shipped.isEmpty)
        try HwlocTrialLoad.check(path: shipped[0])
    }
}
