import Testing

@testable import GatehouseConfig

/// `proxy.header_read_timeout`, `idle_timeout`, `send_timeout`, `max_connections`, `max_header_bytes`,
/// `max_header_count` and `max_uri_bytes`: documented defaults, file, environment, bounds.
@Suite struct FrontLimitSettingsTests {
    @Test func defaultsAreTheDocumentedOnes() throws {
        let proxy = try ConfigLoader.parse(yaml: ConfigLoaderTests.minimal).get().proxy
        #expect(proxy.headerReadTimeout == .seconds(10))
        #expect(proxy.idleTimeout == .seconds(75))
        #expect(proxy.sendTimeout == .seconds(60))
        #expect(proxy.maxConnections == 10_000)
        #expect(proxy.maxHeaderBytes == 32_768)
        #expect(proxy.maxHeaderCount == 100)
        #expect(proxy.maxURIBytes == 8_192)
    }

    @Test func theFileSetsThemAndTheEnvironmentWins() throws {
        let yaml =
            ConfigLoaderTests.minimal + """

                proxy:
                  header_read_timeout: 2s
                  idle_timeout: 30s
                  send_timeout: 20s
                  max_connections: 500
                  max_header_bytes: 16384
                  max_header_count: 50
                  max_uri_bytes: 4096
                """
        let environment = [
            "GATEHOUSE_PROXY__IDLE_TIMEOUT": "5s", "GATEHOUSE_PROXY__MAX_CONNECTIONS": "7", "GATEHOUSE_PROXY__SEND_TIMEOUT": "3s",
        ]
        let proxy = try ConfigLoader.load(file: "/c.yaml", environment: environment, readFile: { _ in yaml }).get().proxy
        #expect(proxy.headerReadTimeout == .seconds(2))
        #expect(proxy.idleTimeout == .seconds(5))
        #expect(proxy.sendTimeout == .seconds(3))
        #expect(proxy.maxConnections == 7)
        #expect(proxy.maxHeaderBytes == 16_384)
        #expect(proxy.maxHeaderCount == 50)
        #expect(proxy.maxURIBytes == 4_096)
    }

    @Test func outOfRangeValuesAreEachReported() {
        let yaml =
            ConfigLoaderTests.minimal + """

                proxy:
                  header_read_timeout: 0s
                  idle_timeout: never
                  max_connections: 0
                  max_header_bytes: 10
                  max_header_count: 100000
                  max_uri_bytes: 1
                """
        guard case .failure(let failure) = ConfigLoader.parse(yaml: yaml) else {
            Issue.record("out-of-range limits were accepted")
            return
        }
        let expected: Set<String> = [
            "proxy.header_read_timeout", "proxy.idle_timeout", "proxy.max_connections", "proxy.max_header_bytes", "proxy.max_header_count",
            "proxy.max_uri_bytes",
        ]
        #expect(Set(failure.problems.map(\.path)) == expected, "got \(failure.problems)")
    }
}
