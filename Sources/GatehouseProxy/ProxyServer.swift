import GatehouseBasics
import GatehouseConfig
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix

/// The front listener: SwiftNIO channel handlers all the way, so the per-request path has no
/// task, no async stream and no body copy. The application routes go to Gatehouse's own
/// application, in process or over a private Unix socket through the same pooled connections.
public final class ProxyServer: Sendable {
    private let group: EventLoopGroup
    private let environment: ProxyEnvironment
    private let listen: HostAndPort
    private let quiescing: ServerQuiescingHelper
    private let limits: FrontConnectionLimits
    private let cap: ConnectionCap

    public init(
        group: EventLoopGroup, configuration: GatehouseConfiguration, policy: ProxyPolicyBox, observer: ProxyObserver,
        applicationSocketPath: String, applicationRoutes: [ApplicationRoute], loginRequired: LoginRequired, sessions: SessionResolver? = nil
    ) {
        self.group = group
        listen = configuration.listen
        let upstream = UpstreamTarget.tcp(host: configuration.upstream.host, port: configuration.upstream.port)
        let application = UpstreamTarget.unixSocket(path: applicationSocketPath)
        let pools = UpstreamPools(
            group: group, targets: [upstream, application],
            connectTimeout: .nanoseconds(Int64(configuration.proxy.connectTimeout.nanoseconds)),
            readTimeout: .nanoseconds(Int64(configuration.proxy.readTimeout.nanoseconds)),
            maximumIdle: configuration.proxy.maxIdleConnectionsPerLoop
        )
        environment = ProxyEnvironment(
            policy: policy, observer: observer, pools: pools, upstream: upstream, application: application, routes: applicationRoutes,
            loginRequired: loginRequired, sessions: sessions)
        quiescing = ServerQuiescingHelper(group: group)
        limits = FrontConnectionLimits(configuration.proxy)
        cap = ConnectionCap(maximum: limits.maxConnections)
    }

    /// The front handler frames every response itself (see `ProxyFrontHandler.upstreamReceived`).
    private static let encoderConfiguration: HTTPResponseEncoder.Configuration = {
        var configuration = HTTPResponseEncoder.Configuration()
        configuration.automaticallySetFramingHeaders = false
        return configuration
    }()

    /// Binds the listener; returns the port (useful when configured as 0).
    public func start() async throws -> Int {
        let environment = self.environment
        let quiescing = self.quiescing
        let limits = self.limits
        let cap = self.cap
        let bound = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 1024)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    guard cap.admit(channel) else {
                        environment.observer.frontLimitReached(
                            FrontLimitEvent(
                                limit: .maxConnections, peer: channel.remoteAddress?.ipAddress,
                                detail: "\(limits.maxConnections) connections open already"))
                        return try sync.addHandler(OverCapacityHandler())
                    }
                    let codec = FrontCodecHandlers(
                        encoder: HTTPResponseEncoder(configuration: Self.encoderConfiguration),
                        decoder: ByteToMessageHandler(
                            HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes, limitConfiguration: limits.decoderLimits)),
                        errors: HTTPServerProtocolErrorHandler()
                    )
                    try sync.addHandler(codec.encoder)
                    try sync.addHandler(codec.decoder)
                    // Limits sit around the error handler: head limits must see the parser's
                    // overflow before it becomes a 400; timeouts answer 408 through it.
                    try sync.addHandler(RequestHeadLimitHandler(limits: limits, observer: environment.observer))
                    try sync.addHandler(codec.errors)
                    try sync.addHandler(FrontConnectionTimeoutHandler(limits: limits, observer: environment.observer))
                    try sync.addHandler(ProxyFrontHandler(environment: environment, codec: codec))
                }
            }
            .bind(host: listen.host, port: listen.port)
            .get()
        return bound.localAddress?.port ?? listen.port
    }

    /// Stops accepting, lets in-flight requests finish (idle keep-alive connections close at
    /// once), and returns when all connections are gone or `deadline` has passed.
    /// Returns whether every connection drained in time.
    @discardableResult
    public func drain(deadline: Duration) async -> Bool {
        let loop = group.next()
        let promise = loop.makePromise(of: Void.self)
        quiescing.initiateShutdown(promise: promise)
        // Whichever comes first: every connection closed, or the deadline.
        let outcome = loop.makePromise(of: Bool.self)
        let decided = NIOLockedValueBox(false)
        let decide: @Sendable (Bool) -> Void = { drained in
            let first = decided.withLockedValue { done in
                defer { done = true }
                return !done
            }
            if first { outcome.succeed(drained) }
        }
        promise.futureResult.whenComplete { _ in decide(true) }
        let timeout = loop.scheduleTask(in: .nanoseconds(Int64(deadline.nanoseconds))) { decide(false) }
        let drained = (try? await outcome.futureResult.get()) ?? false
        timeout.cancel()
        environment.pools.closeIdle()
        return drained
    }
}
