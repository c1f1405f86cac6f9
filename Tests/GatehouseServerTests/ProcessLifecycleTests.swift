import DemoUpstream
import Foundation
import Testing

/// The binary as operators run it: exit codes, messages, signals.
@Suite struct ProcessLifecycleTests {
    static func writeConfig(upstreamPort: Int, publicPaths: String, shutdownTimeout: String = "10s") throws -> String {
        let directory = NSTemporaryDirectory() + "gatehouse-process-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/gatehouse.yaml"
        try """
        listen: 127.0.0.1:0
        admin_listen: 127.0.0.1:0
        public_url: http://127.0.0.1:8080
        upstream: http://127.0.0.1:\(upstreamPort)
        store: \(TestStore.location(directory: directory))
        \(TestStore.settingsYAML)
        public_paths: \(publicPaths)
        shutdown_timeout: \(shutdownTimeout)

        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Starts `gatehouse serve` on free ports; returns it once the proxy listens.
    static func serve(upstreamPort: Int, publicPaths: String) async throws -> (GatehouseProcess, port: Int, config: String) {
        let config = try writeConfig(upstreamPort: upstreamPort, publicPaths: publicPaths)
        let gatehouse = GatehouseProcess(arguments: ["serve", "--config", config])
        try gatehouse.start()
        let port = try #require(GatehouseProcess.port(in: await gatehouse.line(containing: "proxy listening")))
        return (gatehouse, port, config)
    }

    @Test func versionPrintsTheVersionAndTheXMLSecurityLibrary() throws {
        let result = try GatehouseProcess.run(["version"])
        #expect(result.status == 0)
        #expect(result.output.contains("gatehouse 0.1.0"))
        #expect(result.output.contains("xmlsec 1."))
    }

    @Test func checkConfigListsEveryProblemWithItsPathAndExits1() throws {
        let path = NSTemporaryDirectory() + "gatehouse-bad-\(UUID().uuidString).yaml"
        try "listen: nowhere\nupstream: ftp://x\ntenants:\n  - id: Bad_Id\n    email_domains: []\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        let result = try GatehouseProcess.run(["check-config", "--config", path])
        #expect(result.status == 1)
        for path in ["listen:", "public_url:", "upstream:", "store:", "tenants[0].id:", "tenants[0].email_domains:"] {
            #expect(result.errors.contains(path), "\(path) missing from: \(result.errors)")
        }
        #expect(!result.errors.contains("Fatal error"))
    }

    @Test func checkConfigAcceptsAGoodFile() throws {
        let path = try Self.writeConfig(upstreamPort: 3000, publicPaths: "[\"^/static/\"]")
        let result = try GatehouseProcess.run(["check-config", "--config", path])
        #expect(result.status == 0)
        #expect(result.output.contains("configuration is valid"))
    }

    @Test func aMissingFileIsOneClearMessage() throws {
        let result = try GatehouseProcess.run(["serve", "--config", "/nonexistent/gatehouse.yaml"])
        #expect(result.status == 1)
        #expect(result.errors.contains("cannot read /nonexistent/gatehouse.yaml"))
        #expect(!result.errors.contains("Fatal error"))
    }

    @Test func aBadFlagIsAUsageErrorNotACrash() throws {
        let result = try GatehouseProcess.run(["serve", "--no-such-flag"])
        #expect(result.status == 64)
        #expect(result.errors.contains("Unknown option '--no-such-flag'"))
    }

    @Test func sigtermStopsAcceptingAndLetsInFlightRequestsFinish() async throws {
        let upstream = try await DemoUpstreamServer.start()
        let (gatehouse, port, _) = try await Self.serve(upstreamPort: upstream.port, publicPaths: "[\"^/slow$\"]")

        let inFlight = Task { try await RawHTTP.get(port: port, "/slow?ms=1500") }
        // Signal only once the request has reached the upstream.
        for await target in upstream.arrivals where target.hasPrefix("/slow") { break }
        gatehouse.signal(SIGTERM)
        _ = await gatehouse.line(containing: "draining connections")

        let response = try await inFlight.value
        #expect(response.status == 200)
        #expect(response.body == "slow done\n")
        #expect(await gatehouse.exitStatus() == 0)
        #expect(gatehouse.log.contains { $0.contains("all connections drained") })
        // Nothing listens any more.
        await #expect(throws: (any Error).self) { try await RawHTTP.get(port: port, "/slow?ms=1") }
        try await upstream.close()
    }

    @Test func sighupReloadsTheConfigurationWithoutARestart() async throws {
        let upstream = try await DemoUpstreamServer.start()
        let (gatehouse, port, config) = try await Self.serve(upstreamPort: upstream.port, publicPaths: "[\"^/before$\"]")
        let before = try await RawHTTP.get(port: port, "/after")
        #expect(before.status == 302)

        let text = try String(contentsOfFile: config, encoding: .utf8).replacingOccurrences(of: "^/before$", with: "^/after$")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        gatehouse.signal(SIGHUP)
        _ = await gatehouse.line(containing: "configuration reloaded")
        let after = try await RawHTTP.get(port: port, "/after")
        #expect(after.status == 200)
        #expect(gatehouse.isRunning)

        gatehouse.signal(SIGTERM)
        #expect(await gatehouse.exitStatus() == 0)
        try await upstream.close()
    }
}
