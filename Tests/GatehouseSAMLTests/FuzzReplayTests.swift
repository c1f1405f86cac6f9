import Foundation
import GatehouseFuzzing
import Testing

/// Every fixture (the fuzzing seeds) and every crasher that `make fuzz-saml` ever saved in
/// `fuzz/crashers` goes through the fuzz entry point on each test run, so a fixed crash stays fixed.
@Suite struct FuzzReplayTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func files(in folder: String) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: repository.appendingPathComponent(folder), includingPropertiesForKeys: nil)
            .filter { !$0.lastPathComponent.hasPrefix(".") && !$0.lastPathComponent.hasSuffix(".py") }
            .sorted { $0.path < $1.path }
    }

    @Test func seedsAndSavedCrashersRunThroughTheFuzzEntryPoint() throws {
        let seeds = try Self.files(in: "Tests/GatehouseSAMLTests/Fixtures")
        #expect(seeds.count > 40)
        for file in try seeds + Self.files(in: "fuzz/crashers") {
            SAMLFuzzEntry.run(Array(try Data(contentsOf: file)))
        }
    }
}
