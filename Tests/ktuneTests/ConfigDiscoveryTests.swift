import Foundation
import Testing
import Configs
@testable import ktune

@Suite("generate finds the tuned config without flags")
struct ConfigDiscoveryTests {
    @Test("--config wins, then KTUNE_CONFIG, then the default path when it exists, else none")
    func discovery() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("ktune-home-\(UUID().uuidString)").path
        setenv("KTUNE_HOME", home, 1)
        defer { unsetenv("KTUNE_HOME"); try? FileManager.default.removeItem(atPath: home) }
        let fp = "fp-discovery"
        #expect(GenerateCommand.configPath(flag: nil, environment: [:], fingerprint: fp) == (nil, false))
        let path = TunedConfigLocation.defaultPath(fingerprint: fp)
        #expect(path.hasPrefix(home) && path.hasSuffix("tuned/\(fp).json"))
        try TunedConfigFile.write(TunedConfig(machine: .init(fingerprint: fp, cpu: "c", cores: 2, isa: [], caches: []),
                                              createdAt: "now", entries: []), to: path)
        #expect(GenerateCommand.configPath(flag: nil, environment: [:], fingerprint: fp) == (path, true))
        #expect(GenerateCommand.configPath(flag: nil, environment: ["KTUNE_CONFIG": "/x.json"], fingerprint: fp) == ("/x.json", false))
        #expect(GenerateCommand.configPath(flag: "/y.json", environment: ["KTUNE_CONFIG": "/x.json"], fingerprint: fp) == ("/y.json", false))
        // An unprobeable machine has no fingerprint, hence no default path.
        #expect(GenerateCommand.configPath(flag: nil, environment: [:], fingerprint: nil) == (nil, false))
    }

    @Test("list options refuse empty, zero, negative and absurd values")
    func lists() throws {
        #expect(try TuneCommand.list("64,512", "--prefill-buckets") == [64, 512])
        for bad in ["", "0", "64,-1", "a", "1,99999999"] {
            #expect(throws: (any Error).self, "\(bad)") { _ = try TuneCommand.list(bad, "--prefill-buckets") }
        }
    }
}
