import DemoUpstream
import Foundation
import GatehouseConfig
import GatehouseServer
import Logging

/// A Gatehouse running in this process on free ports, in front of a real demo upstream.
final class TestGatehouse: Sendable {
    let application: GatehouseApplication
    let upstream: DemoUpstreamServer?
    let ports: BoundPorts
    private let task: Task<Void, Error>
    let configFile: String

    /// Starts Gatehouse with `extraYAML` appended to a loopback configuration.
    static func start(
        extraYAML: String = "", upstreamPort: Int? = nil, withUpstream: Bool = true, accessLog: Bool = false,
        sink: LogSink = LogSink(fileDescriptor: 2), publicURL: String = "http://127.0.0.1:8080", clock: @escaping @Sendable () -> Date = { Date() }
    ) async throws -> TestGatehouse {
        let upstream = withUpstream ? try await DemoUpstreamServer.start() : nil
        let directory = NSTemporaryDirectory() + "gatehouse-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let yaml =
            baseYAML(upstreamPort: upstreamPort ?? upstream?.port ?? 1, directory: directory, accessLog: accessLog, publicURL: publicURL)
            + extraYAML
        let configFile = directory + "/gatehouse.yaml"
        try yaml.write(toFile: configFile, atomically: true, encoding: .utf8)
        let configuration = try ConfigLoader.load(file: configFile, environment: [:]).get()
        var logger = Logger(label: "gatehouse-test")
        logger.logLevel = ProcessInfo.processInfo.environment["GATEHOUSE_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        let application = try await buildApplication(
            configuration: configuration, configFile: configFile, logger: logger, sink: sink, reloadPollInterval: .milliseconds(50), clock: clock
        )
        let task = Task { try await application.run(handleSignals: false) }
        let ports = try await application.listening()
        // On a shared store the cache waits for the change feed; tests that look at the cache need it on.
        let deadline = ContinuousClock.now + .seconds(30)
        while !application.cachesSessions && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        return TestGatehouse(application: application, upstream: upstream, ports: ports, task: task, configFile: configFile)
    }

    static func baseYAML(upstreamPort: Int, directory: String, accessLog: Bool, publicURL: String = "http://127.0.0.1:8080") -> String {
        """
        listen: 127.0.0.1:0
        admin_listen: 127.0.0.1:0
        public_url: \(publicURL)
        upstream: http://127.0.0.1:\(upstreamPort)
        store: \(TestStore.location(directory: directory))
        \(TestStore.settingsYAML)
        shutdown_timeout: 5s
        log:
          access_log: \(accessLog)

        """
    }

    private init(application: GatehouseApplication, upstream: DemoUpstreamServer?, ports: BoundPorts, task: Task<Void, Error>, configFile: String) {
        self.application = application
        self.upstream = upstream
        self.ports = ports
        self.task = task
        self.configFile = configFile
    }

    func stop() async throws {
        await application.shutdown()
        _ = await task.result
        try await upstream?.close()
    }
}

extension TestGatehouse {
    /// Runs `body` against a fresh Gatehouse and always stops it afterwards.
    static func with(
        extraYAML: String = "", upstreamPort: Int? = nil, withUpstream: Bool = true, accessLog: Bool = false,
        sink: LogSink = LogSink(fileDescriptor: 2), publicURL: String = "http://127.0.0.1:8080", clock: @escaping @Sendable () -> Date = { Date() },
        _ body: (TestGatehouse) async throws -> Void
    ) async throws {
        let gatehouse = try await start(
            extraYAML: extraYAML, upstreamPort: upstreamPort, withUpstream: withUpstream, accessLog: accessLog, sink: sink, publicURL: publicURL,
            clock: clock
        )
        do {
            try await body(gatehouse)
            try await gatehouse.stop()
        } catch {
            try? await gatehouse.stop()
            throw error
        }
    }
}
