import Foundation
import GatehouseConfig
import GatehouseProxy
import GatehouseSAML
import GatehouseSessions
import GatehouseStore
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The ports actually bound (a configured port 0 picks a free one: tests use that).
public struct BoundPorts: Sendable, Equatable {
    public let proxy: Int
    public let admin: Int
}

/// A whole Gatehouse process: front proxy, sign-in/SCIM application, admin listener, store,
/// configuration reloader. `buildApplication` is the seam that the CLI and the tests drive.
public final class GatehouseApplication: Sendable {
    public let configuration: GatehouseConfiguration
    public let metrics: GatehouseMetrics
    public let reloader: ConfigReloader
    public let store: any ServerStore
    public let readiness: Readiness
    /// Every tenant's IdP metadata in force; sign-in validates against it.
    public let identityProviders: IdPMetadataRegistry
    public let metadataService: IdPMetadataService
    /// The SP keys that decrypt EncryptedAssertions (current, then next); nil without `sp.key_file`.
    public let decryptionKeys: SPDecryptionKeys?
    private let signIn: SignInService
    /// Builds each tenant's SAML validation context from the configuration and loaded metadata.
    let contexts: SAMLContextFactory
    private let sessions: StoreSessionResolver
    private let scimRoutes: SCIMRoutes
    private let responder: RouterResponder<BasicRequestContext>
    private let tokens: IdentityTokenProvider
    private let sessionRoutes: SessionRoutes
    private let logger: Logger
    private let sink: LogSink
    private let proxy: ProxyServer
    private let socketDirectory: String
    private let proxyPort: EventLoopPromise<Int>
    private let adminPort: EventLoopPromise<Int>
    private let serviceGroup = NIOLockedValueBox<ServiceGroup?>(nil)
    /// The SP certificates published in metadata: current, then next.
    private let spCertificatesPEM: [String]
    /// The proxy's own event loops when `proxy.threads` is set (shut down after the run).
    private let ownedGroup: MultiThreadedEventLoopGroup?
    private let now: @Sendable () -> Date

    init(
        configuration: GatehouseConfiguration, configFile: String?, environment: [String: String], logger: Logger, sink: LogSink,
        reloadPollInterval: Duration, clock: @escaping @Sendable () -> Date
    ) async throws {
        try SAMLLibrary.initialise()
        self.configuration = configuration
        self.now = clock
        self.logger = logger
        self.sink = sink
        metrics = GatehouseMetrics()
        spCertificatesPEM = try [configuration.sp.certFile, configuration.sp.nextCertFile].compactMap { $0 }.map {
            try String(contentsOfFile: $0, encoding: .utf8)
        }
        let spKeys = try [configuration.sp.keyFile, configuration.sp.nextKeyFile].compactMap { $0 }.map {
            try String(contentsOfFile: $0, encoding: .utf8)
        }
        decryptionKeys = spKeys.isEmpty ? nil : try SPDecryptionKeys(privateKeysPEM: spKeys)
        readiness = Readiness()
        store = try await StoreFactory.open(configuration.store, settings: configuration.storeSettings, logger: logger)
        let policy = ProxyPolicyBox(try ProxyPolicy(configuration: configuration))
        let reloader = ConfigReloader(
            file: configFile, environment: environment, initial: configuration, policy: policy, metrics: metrics, logger: logger,
            pollInterval: reloadPollInterval
        )
        self.reloader = reloader
        identityProviders = IdPMetadataRegistry()
        metadataService = IdPMetadataService(
            registry: identityProviders, store: store, settings: configuration.saml, metrics: IdPMetadataMetrics(registry: metrics.registry),
            logger: logger, tenants: { reloader.configuration.tenants }, now: clock
        )
        let secrets = SessionSecretsProvider(configured: configuration.session.secret, store: store)
        let contexts = SAMLContextFactory(reloader: reloader, registry: identityProviders, decryptionKeys: decryptionKeys)
        self.contexts = contexts
        let signingKey = try SPSigningKey.load(keyFile: configuration.sp.keyFile)
        signIn = SignInService(
            configuration: configuration, contexts: contexts, signingKey: signingKey, store: store, secrets: secrets, logger: logger, now: clock
        )
        tokens = IdentityTokenProvider(settings: configuration.jwt, publicOrigin: configuration.publicURL.origin, store: store)
        sessions = StoreSessionResolver(store: store, secrets: secrets, tokens: tokens, lifetime: SessionLifetime(configuration.session), now: clock)
        sessionRoutes = SessionRoutes(
            reloader: reloader, sessions: sessions, secrets: secrets, store: store,
            cookieNames: SignInService.CookieNames(prefix: configuration.cookieNamePrefix), secureCookies: configuration.publicURL.isHTTPS,
            ssoPrefix: configuration.ssoPrefix, logger: logger,
            contexts: contexts, signingKey: signingKey?.redirect, now: clock)
        let resolver = sessions
        scimRoutes = SCIMRoutes(
            reloader: reloader, store: store, revocation: StoreSessionRevocation(store: store, forget: { resolver.forget(userID: $0) }), now: clock,
            logger: Logger(label: "gatehouse.scim"))
        Self.warnAboutInsecureSettings(configuration, logger: logger)
        socketDirectory = try Self.makePrivateDirectory()
        ownedGroup = configuration.proxy.threads == 0 ? nil : MultiThreadedEventLoopGroup(numberOfThreads: configuration.proxy.threads)
        let group: EventLoopGroup = ownedGroup ?? MultiThreadedEventLoopGroup.singleton
        // One router: served on the private socket (sign-in) and in process to the proxy (SCIM).
        responder = ApplicationRoutes.router(
            configuration: configuration, reloader: reloader, spCertificatesPEM: spCertificatesPEM, signIn: signIn, tokens: tokens,
            sessions: sessionRoutes, scim: scimRoutes
        ).buildResponder()
        proxy = ProxyServer(
            group: group, configuration: configuration, policy: policy,
            observer: ProxyTelemetry(metrics: metrics, sink: sink, accessLog: configuration.log.accessLog),
            applicationSocketPath: "\(socketDirectory)/app.sock",
            applicationRoutes: ApplicationRoutes.proxyRoutes(
                configuration: configuration, inProcess: InProcessRouter(responder: responder, logger: Logger(label: "gatehouse.scim"))),
            loginRequired: ApplicationRoutes.loginRequired(configuration: configuration), sessions: sessions
        )
        proxyPort = group.next().makePromise(of: Int.self)
        adminPort = group.next().makePromise(of: Int.self)
    }

    deinit {
        // An application built but never run (a check, a test) still settles its promises.
        proxyPort.fail(CancellationError())
        adminPort.fail(CancellationError())
    }

    /// Waits until both listeners are bound and returns their ports.
    public func listening() async throws -> BoundPorts {
        BoundPorts(proxy: try await proxyPort.futureResult.get(), admin: try await adminPort.futureResult.get())
    }

    /// Runs until SIGTERM/SIGINT (when `handleSignals`) or until the calling task is cancelled.
    public func run(handleSignals: Bool) async throws {
        let applicationSocket = "\(socketDirectory)/app.sock"
        unlink(applicationSocket)
        let application = Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .unixDomainSocket(path: applicationSocket), serverName: "gatehouse"),
            logger: logger
        )
        let adminPort = self.adminPort
        let admin = Application(
            router: AdminRoutes.router(store: store, metrics: metrics, readiness: readiness),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.adminListen.host, port: configuration.adminListen.port), serverName: "gatehouse-admin"
            ),
            onServerRunning: { channel in adminPort.succeed(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        let tenants = reloader
        let housekeepingSettings = Housekeeping.Settings(
            interval: configuration.storeSettings.housekeepingInterval, sessionIdle: configuration.session.idleTimeout.timeInterval,
            configuredTenants: { tenants.configuration.tenants.map(\.id) })
        let front = ProxyService(
            server: proxy, deadline: configuration.shutdownTimeout, readiness: readiness, logger: logger, bound: proxyPort
        )
        // Shutdown runs in reverse: stop reloading, drain the proxy, then the application, then
        // admin; the store closes after every service that uses it.
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: LogFlushService(sink: sink)), .init(service: store), .init(service: admin), .init(service: application),
                    .init(service: SessionChangeSubscription(feed: store, resolver: sessions, logger: logger)),
                    .init(service: Housekeeping(store: store, settings: housekeepingSettings, logger: logger, now: now)),
                    .init(service: metadataService), .init(service: front), .init(service: reloader),
                ],
                gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [],
                logger: logger
            )
        )
        serviceGroup.withLockedValue { $0 = group }
        defer {
            unlink(applicationSocket)
            rmdir(socketDirectory)
            sink.flush()
        }
        do {
            try await group.run()
        } catch {
            proxyPort.fail(error)
            adminPort.fail(error)
            try? await ownedGroup?.shutdownGracefully()
            throw error
        }
        proxyPort.fail(CancellationError())
        adminPort.fail(CancellationError())
        try? await ownedGroup?.shutdownGracefully()
    }

    /// Makes the proxy ask the store again for every session of a user before the next request
    /// (after a deactivation, a role change or a revocation made in this process).
    public func forgetSessions(userID: String) { sessions.forget(userID: userID) }

    /// Whether the proxy caches sessions now: always on a store of one replica; on a shared store
    /// only while its change feed listens (until then every request asks the store).
    public var cachesSessions: Bool { sessions.isCaching }

    /// Starts the same graceful shutdown as SIGTERM: readiness fails, the proxy drains, then the rest stops.
    public func shutdown() async {
        await serviceGroup.withLockedValue { $0 }?.triggerGracefulShutdown()
    }

    /// Every switch named `insecure…` is logged at start, so nobody runs one unknowingly.
    private static func warnAboutInsecureSettings(_ configuration: GatehouseConfiguration, logger: Logger) {
        for tenant in configuration.tenants {
            if tenant.insecureAllowSHA1 {
                logger.warning(
                    "insecure_allow_sha1 is on: SHA-1 signatures are accepted from this tenant's IdP", metadata: ["tenant": "\(tenant.id)"])
            }
            if tenant.insecureAllowHTTPMetadata {
                logger.warning("insecure_allow_http_metadata is on: metadata may come over plain http", metadata: ["tenant": "\(tenant.id)"])
            }
        }
    }

    /// A fresh 0700 directory for the application socket, so no other local user can reach it.
    private static func makePrivateDirectory() throws -> String {
        var template = Array("/tmp/gatehouse-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw StoreError(.unavailable, context: "cannot create a private socket directory in /tmp")
        }
        return String(cString: made)
    }
}

/// Builds a Gatehouse process from a validated configuration.
public func buildApplication(
    configuration: GatehouseConfiguration, configFile: String? = nil, environment: [String: String] = [:],
    logger: Logger = Logger(label: "gatehouse"), sink: LogSink = .standardOutput, reloadPollInterval: Duration = .seconds(2),
    clock: @escaping @Sendable () -> Date = { Date() }
) async throws -> GatehouseApplication {
    try await GatehouseApplication(
        configuration: configuration, configFile: configFile, environment: environment, logger: logger, sink: sink,
        reloadPollInterval: reloadPollInterval, clock: clock
    )
}
