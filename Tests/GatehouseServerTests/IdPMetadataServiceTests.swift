import Foundation
import GatehouseConfig
import GatehouseSAML
import GatehouseServer
import GatehouseXML
import Hummingbird
import NIOConcurrencyHelpers
import Testing

/// IdP metadata from a URL or a file: loading, the refresh schedule with an injected clock, the
/// last good copy (in memory and in the store), metrics, expiry warnings, and the validation
/// context built from it.
@Suite struct IdPMetadataServiceTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("GatehouseSAMLTests/Fixtures")
    /// The fixtures' own time: responses are valid at 12:01 on 2026-11-29.
    static let fixtureTime = Date(timeIntervalSince1970: 1_795_953_660)

    static func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: fixtures.appendingPathComponent(name)))
    }

    final class TestClock: Sendable {
        private let current = NIOLockedValueBox(IdPMetadataServiceTests.fixtureTime)
        var now: Date { current.withLockedValue { $0 } }
        func set(_ date: Date) { current.withLockedValue { $0 = date } }
        func advance(_ seconds: TimeInterval) { current.withLockedValue { $0 = $0.addingTimeInterval(seconds) } }
    }

    /// A Gatehouse built (not run) with `tenants` YAML; the test drives `refreshDue` itself.
    static func application(
        tenants: String, extra: String = "", directory: String, clock: TestClock, logs: CapturedLogs = CapturedLogs()
    ) async throws -> GatehouseApplication {
        let yaml = """
            listen: 127.0.0.1:0
            admin_listen: 127.0.0.1:0
            public_url: https://dash.example.com
            upstream: http://127.0.0.1:1
            store: \(TestStore.location(directory: directory))
            \(TestStore.settingsYAML)
            \(extra)
            tenants:
            \(tenants)
            """
        let file = directory + "/gatehouse.yaml"
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        let configuration = try ConfigLoader.load(file: file, environment: [:]).get()
        return try await buildApplication(configuration: configuration, configFile: file, logger: logs.logger, clock: { clock.now })
    }

    static func directory() throws -> String {
        let path = NSTemporaryDirectory() + "gatehouse-metadata-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func urlTenant(_ url: String, extra: String = "") -> String {
        "  - id: acme\n    email_domains: [acme.com]\n    idp_metadata_url: \(url)\n\(extra)"
    }

    static func metrics(_ application: GatehouseApplication) -> String { String(decoding: application.metrics.exposition(), as: UTF8.self) }

    static func close(_ application: GatehouseApplication) async throws {
        await application.metadataService.close()
        try await application.store.close()
    }

    @Test func metadataFromAURLGivesAContextThatValidatesTheIdPsResponse() async throws {
        let server = try await MetadataServer.start(serving: Self.fixture("okta-metadata.xml"))
        let clock = TestClock()
        let application = try await Self.application(tenants: Self.urlTenant(server.url), directory: Self.directory(), clock: clock)
        await application.metadataService.refreshDue()
        let provider = try #require(application.identityProviders.provider(for: "acme"))
        #expect(provider.metadata.entityID == "http://www.okta.com/exk123")
        #expect(try await application.store.setting("idp_metadata/acme") != nil)

        let context = try #require(application.samlContext(forTenant: "acme"))
        #expect(context.acsURL == "https://dash.example.com/sso/saml/acme/acs")
        #expect(context.spEntityID == "https://dash.example.com/sso/saml/acme/metadata")
        #expect(context.clockSkew == .seconds(180))
        #expect(!context.signaturePolicy.insecureAllowSHA1)
        let validator = SAMLResponseValidator(context: context, replayCache: InMemoryAssertionReplayCache())
        let validated = try await validator.validate(
            responseXML: Self.fixture("signed-assertion.xml"), pendingRequestIDs: ["id-request-1"], now: Self.fixtureTime
        )
        #expect(validated.email == "alice@acme.com")
        #expect(Self.metrics(application).contains(#"gatehouse_idp_metadata_age_seconds{tenant="acme"} 0"#))
        try await Self.close(application)
        await server.stop()
    }

    @Test func refreshFollowsCacheDurationAndAFailureKeepsTheLastGoodCopy() async throws {
        let server = try await MetadataServer.start(serving: Self.fixture("okta-metadata.xml"))
        let clock = TestClock()
        let application = try await Self.application(tenants: Self.urlTenant(server.url), directory: Self.directory(), clock: clock)
        await application.metadataService.refreshDue()
        #expect(server.hits == 1)
        clock.advance(29 * 60)  // the fixture says cacheDuration PT30M
        await application.metadataService.refreshDue()
        #expect(server.hits == 1)
        server.answer(.init(status: .internalServerError, body: Array("down".utf8)))
        clock.advance(2 * 60)
        await application.metadataService.refreshDue()
        #expect(server.hits == 2)
        let provider = try #require(application.identityProviders.provider(for: "acme"))
        #expect(provider.fetchedAt == Self.fixtureTime)
        #expect(Self.metrics(application).contains(#"gatehouse_idp_metadata_load_failures_total{tenant="acme"} 1"#))
        #expect(Self.metrics(application).contains(#"gatehouse_idp_metadata_age_seconds{tenant="acme"} 1860"#))
        // A failed fetch is retried after a minute, not at the next half hour.
        clock.advance(61)
        await application.metadataService.refreshDue()
        #expect(server.hits == 3)
        try await Self.close(application)
        await server.stop()
    }

    @Test func aRestartWhileTheIdPIsDownUsesTheCopyInTheStore() async throws {
        let server = try await MetadataServer.start(serving: Self.fixture("okta-metadata.xml"))
        let directory = try Self.directory()
        let clock = TestClock()
        let first = try await Self.application(tenants: Self.urlTenant(server.url), directory: directory, clock: clock)
        await first.metadataService.refreshDue()
        try await Self.close(first)

        server.answer(.init(status: .serviceUnavailable, body: []))
        clock.advance(3_600)
        let logs = CapturedLogs()
        let second = try await Self.application(tenants: Self.urlTenant(server.url), directory: directory, clock: clock, logs: logs)
        await second.metadataService.refreshDue()
        let provider = try #require(second.identityProviders.provider(for: "acme"))
        #expect(provider.fetchedAt == Self.fixtureTime)
        #expect(logs.messages(at: .warning).contains { $0.0 == "using the last good IdP metadata from the store" })
        try await Self.close(second)

        // A stored copy of another source (the operator pointed the tenant elsewhere) is not used.
        let third = try await Self.application(tenants: Self.urlTenant(server.url + "?v=2"), directory: directory, clock: clock)
        await third.metadataService.refreshDue()
        #expect(third.identityProviders.provider(for: "acme") == nil)
        #expect(third.samlContext(forTenant: "acme") == nil)
        try await Self.close(third)
        await server.stop()
    }

    @Test func redirectsAndOversizedDocumentsAreRefused() async throws {
        let server = try await MetadataServer.start(serving: Array(repeating: UInt8(ascii: " "), count: 10_000))
        let clock = TestClock()
        let logs = CapturedLogs()
        let application = try await Self.application(
            tenants: Self.urlTenant(server.url), extra: "saml:\n  max_metadata_bytes: 4096", directory: Self.directory(), clock: clock, logs: logs
        )
        await application.metadataService.refreshDue()
        #expect(application.identityProviders.provider(for: "acme") == nil)
        server.answer(.init(status: .found, body: [], headers: [.location: "http://127.0.0.1:\(server.port)/elsewhere"]))
        clock.advance(61)
        await application.metadataService.refreshDue()
        #expect(server.hits == 2)
        #expect(application.identityProviders.provider(for: "acme") == nil)
        let reasons = logs.messages(at: .warning).filter { $0.0 == "IdP metadata load failed" }.map { "\($0.1["reason"] ?? "")" }
        #expect(reasons.count == 2)
        #expect(reasons.first?.contains("larger than 4096") == true)
        #expect(reasons.last?.contains("HTTP 302") == true)
        try await Self.close(application)
        await server.stop()
    }

    @Test func aHangingIdPIsGivenUpOnAfterTheFetchTimeout() async throws {
        let server = try await MetadataServer.start(serving: Self.fixture("okta-metadata.xml"))
        server.answer(.init(status: .ok, body: try Self.fixture("okta-metadata.xml"), delay: .seconds(30)))
        let logs = CapturedLogs()
        let application = try await Self.application(
            tenants: Self.urlTenant(server.url), extra: "saml:\n  metadata_fetch_timeout: 300ms", directory: Self.directory(), clock: TestClock(),
            logs: logs
        )
        let started = ContinuousClock.now
        await application.metadataService.refreshDue()
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(application.identityProviders.provider(for: "acme") == nil)
        #expect(logs.messages(at: .warning).contains { $0.0 == "IdP metadata load failed" })
        try await Self.close(application)
        await server.stop()
    }

    @Test func aNewTenantInTheConfigurationIsLoadedWithoutARestart() async throws {
        let directory = try Self.directory()
        let clock = TestClock()
        let application = try await Self.application(tenants: "  []", directory: directory, clock: clock)
        await application.metadataService.refreshDue()
        #expect(application.identityProviders.provider(for: "acme") == nil)
        let metadataFile = Self.fixtures.appendingPathComponent("rollover-metadata.xml").path
        let yaml = try String(contentsOfFile: directory + "/gatehouse.yaml", encoding: .utf8)
            .replacingOccurrences(
                of: "tenants:\n  []", with: "tenants:\n  - id: acme\n    email_domains: [acme.com]\n    idp_metadata_file: \(metadataFile)\n")
        try yaml.write(toFile: directory + "/gatehouse.yaml", atomically: true, encoding: .utf8)
        #expect(application.reloader.reload(reason: "test"))
        await application.metadataService.refreshDue()
        let provider = try #require(application.identityProviders.provider(for: "acme"))
        #expect(provider.metadata.signingCertificatesPEM.count == 2)
        try await Self.close(application)
    }

    @Test func certificateExpiryIsAMetricAndAWarningThirtyDaysAhead() async throws {
        let metadataFile = Self.fixtures.appendingPathComponent("okta-metadata.xml").path
        let notAfter = try #require(X509Expiry.notAfter(certificatePEM: String(decoding: Self.fixture("idp.crt"), as: UTF8.self)))
        let clock = TestClock()
        let logs = CapturedLogs()
        let tenant = "  - id: acme\n    email_domains: [acme.com]\n    idp_metadata_file: \(metadataFile)\n"
        let application = try await Self.application(tenants: tenant, directory: Self.directory(), clock: clock, logs: logs)
        await application.metadataService.refreshDue()
        #expect(!logs.messages(at: .warning).contains { $0.0.hasPrefix("IdP signing certificate expires soon") })
        #expect(Self.metrics(application).contains(#"gatehouse_idp_signing_certificate_expiry_days{tenant="acme",certificate="0"} 36"#))

        clock.set(notAfter.addingTimeInterval(-10 * 86_400))
        await application.metadataService.refreshDue()
        let warning = try #require(logs.messages(at: .warning).first { $0.0.hasPrefix("IdP signing certificate expires soon") })
        #expect("\(warning.1["days_left"] ?? "")" == "10")
        #expect(Self.metrics(application).contains(#"gatehouse_idp_signing_certificate_expiry_days{tenant="acme",certificate="0"} 10.0"#))
        try await Self.close(application)
    }

    @Test func metadataPastItsValidUntilIsNotUsed() async throws {
        let metadataFile = Self.fixtures.appendingPathComponent("okta-metadata.xml").path
        let clock = TestClock()
        clock.set(Date(timeIntervalSince1970: 2_113_000_000))  // 2036-12-16, after the fixture's validUntil of 2036-11-29
        let tenant = "  - id: acme\n    email_domains: [acme.com]\n    idp_metadata_file: \(metadataFile)\n"
        let application = try await Self.application(tenants: tenant, directory: Self.directory(), clock: clock)
        await application.metadataService.refreshDue()
        #expect(application.identityProviders.provider(for: "acme") == nil)
        try await Self.close(application)
    }

    @Test func insecureAllowSHA1AndClockSkewComeFromTheConfiguration() async throws {
        let metadataFile = Self.fixtures.appendingPathComponent("okta-metadata.xml").path
        let clock = TestClock()
        let tenant = "  - id: acme\n    email_domains: [acme.com]\n    idp_metadata_file: \(metadataFile)\n    insecure_allow_sha1: true\n"
        let logs = CapturedLogs()
        let application = try await Self.application(
            tenants: tenant, extra: "saml:\n  clock_skew: 10m", directory: Self.directory(), clock: clock, logs: logs
        )
        #expect(logs.messages(at: .warning).contains { $0.0.hasPrefix("insecure_allow_sha1 is on") })
        await application.metadataService.refreshDue()
        let context = try #require(application.samlContext(forTenant: "acme"))
        #expect(context.signaturePolicy.insecureAllowSHA1)
        #expect(context.clockSkew == .seconds(600))
        let validator = SAMLResponseValidator(context: context, replayCache: InMemoryAssertionReplayCache())
        let validated = try await validator.validate(
            responseXML: Self.fixture("sha1.xml"), pendingRequestIDs: ["id-request-1"], now: Self.fixtureTime)
        #expect(validated.nameID == "alice@acme.com")
        try await Self.close(application)
    }
}
