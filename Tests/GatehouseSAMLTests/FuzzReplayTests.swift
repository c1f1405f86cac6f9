import Foundation
import GatehouseFuzzing
import GatehouseTestSupport
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

    @Test func seedsAndSavedCrashersRunThroughTheFuzzEntryPoint() async throws {
        let seeds = try Self.files(in: "Tests/GatehouseSAMLTests/Fixtures")
        #expect(seeds.count > 40)
        let inputs = try (seeds + Self.files(in: "fuzz/crashers")).map { Array(try Data(contentsOf: $0)) }
        // The entry point blocks its thread until the validator's task ends (libFuzzer calls it
        // synchronously): on a thread of its own, never on one of the test's cooperative threads.
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread {
                for input in inputs { SAMLFuzzEntry.run(input) }
                done.resume()
            }.start()
        }
    }

    /// libxml2 keeps its error handler per thread; on a thread other than the one that initialised
    /// it, an encoding error once went straight to stderr (found by the fuzzer). Nothing may.
    @Test func nothingFromLibxml2ReachesStandardErrorOnAnyThread() throws {
        let replay = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("SAMLFuzzer")
        let child = try ChildProcess(
            replay.path, [Self.repository.appendingPathComponent("Tests/GatehouseSAMLTests/Fixtures/encoding-error.xml").path],
            standardOutput: .null, standardError: .pipe)
        let written = child.standardError?.readDataToEndOfFile() ?? Data()
        #expect(child.wait() == 0)
        #expect(String(decoding: written, as: UTF8.self) == "")
    }
}
