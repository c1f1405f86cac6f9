import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// A small upstream app that shows what it received: the demo behind `make run`, the upstream
/// in the proxy tests and benchmarks. Routes:
/// - `/ws`: WebSocket echo
/// - `/download?bytes=N`: N bytes, streamed with backpressure
/// - `/slow?ms=N`: answers after N milliseconds
/// - `/bench`: a tiny fixed response
/// - `/hop-response`: a response carrying hop-by-hop headers a proxy must remove
/// - anything else: the method, target, headers and body size it received (JSON, or HTML for browsers)
public final class DemoUpstreamServer: Sendable {
    public let port: Int
    private let channel: Channel
    /// Every request target as it arrives (before the response), for tests that wait on arrival.
    public let arrivals: AsyncStream<String>
    private let accepted: NIOLockedValueBox<Int>

    /// How many connections the server has accepted (tests check that a proxy reuses them).
    public var connectionsAccepted: Int { accepted.withLockedValue { $0 } }

    private init(channel: Channel, arrivals: AsyncStream<String>, accepted: NIOLockedValueBox<Int>) {
        self.channel = channel
        port = channel.localAddress?.port ?? 0
        self.arrivals = arrivals
        self.accepted = accepted
    }

    public static func start(host: String = "127.0.0.1", port: Int = 0, group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton)
        async throws -> DemoUpstreamServer
    {
        let (arrivals, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(1_000))
        let accepted = NIOLockedValueBox(0)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 1024)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                accepted.withLockedValue { $0 += 1 }
                let upgrader = NIOWebSocketServerUpgrader(
                    shouldUpgrade: { channel, head in
                        channel.eventLoop.makeSucceededFuture(head.uri.hasPrefix("/ws") ? HTTPHeaders() : nil)
                    },
                    upgradePipelineHandler: { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            // The HTTP handler is not among the upgrader's own: take it out before frames arrive.
                            let sync = channel.pipeline.syncOperations
                            _ = sync.removeHandler(try sync.handler(type: DemoRequestHandler.self))
                            try sync.addHandler(WebSocketEcho())
                        }
                    }
                )
                return channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.configureHTTPServerPipeline(
                        withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }), withErrorHandling: true
                    )
                    try sync.addHandler(DemoRequestHandler(arrivals: continuation))
                }
            }
            .bind(host: host, port: port)
            .get()
        return DemoUpstreamServer(channel: channel, arrivals: arrivals, accepted: accepted)
    }

    /// Stops listening (open connections finish on their own).
    public func close() async throws {
        try await channel.close()
    }
}
