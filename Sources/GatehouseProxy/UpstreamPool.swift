import NIOCore
import NIOHTTP1
import NIOPosix

/// Keep-alive connections to one upstream target, owned by one event loop.
///
/// Front connections take upstream connections from the pool of their own event loop, so a
/// request and its upstream exchange never hop threads. Only ever touched on `eventLoop`.
final class UpstreamPool: @unchecked Sendable {
    let eventLoop: EventLoop
    let target: UpstreamTarget
    private let connectTimeout: TimeAmount
    private let readTimeout: TimeAmount
    private let maximumIdle: Int
    private var idle: [UpstreamConnection] = []
    /// Replaces the socket connect: unit tests hand out channels of their own, whose pipeline
    /// ends in an `UpstreamConnection`.
    var connector: ((EventLoop) -> EventLoopFuture<Channel>)?

    static let encoderHandlerName = "upstream-encoder"
    static let decoderHandlerName = "upstream-decoder"
    static let idleHandlerName = "upstream-idle"
    static let validatorHandlerName = "upstream-header-validator"

    init(eventLoop: EventLoop, target: UpstreamTarget, connectTimeout: TimeAmount, readTimeout: TimeAmount, maximumIdle: Int) {
        self.eventLoop = eventLoop
        self.target = target
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.maximumIdle = maximumIdle
    }

    /// Hands over an idle connection at once, or connects a new one.
    func acquire(_ completion: @escaping (Result<UpstreamConnection, Error>) -> Void) {
        eventLoop.preconditionInEventLoop()
        while let connection = idle.popLast() {
            if connection.isActive { return completion(.success(connection)) }
        }
        if let connector {
            return connector(eventLoop).assumeIsolated().whenComplete { self.connected($0, completion) }
        }
        let readTimeout = self.readTimeout
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(HTTPRequestEncoder(), name: UpstreamPool.encoderHandlerName)
                    try sync.addHandler(
                        ByteToMessageHandler(HTTPResponseDecoder(leftOverBytesStrategy: .forwardBytes)), name: UpstreamPool.decoderHandlerName
                    )
                    // A read timeout only: tracking writes too would cost a promise per write on the hot
                    // path. A long upload to a silent upstream is told apart by the connection itself.
                    try sync.addHandler(IdleStateHandler(readTimeout: readTimeout), name: UpstreamPool.idleHandlerName)
                    // The second line behind every value Gatehouse itself puts in a header: a CR or LF
                    // from a stored value fails the write (a 502) instead of becoming another header.
                    try sync.addHandler(NIOHTTPRequestHeadersValidator(), name: UpstreamPool.validatorHandlerName)
                    try sync.addHandler(UpstreamConnection(readTimeout: readTimeout))
                }
            }
        let connecting: EventLoopFuture<Channel>
        switch target {
        case .tcp(let host, let port): connecting = bootstrap.connect(host: host, port: port)
        case .unixSocket(let path): connecting = bootstrap.connect(unixDomainSocketPath: path)
        }
        connecting.assumeIsolated().whenComplete { self.connected($0, completion) }
    }

    private func connected(_ result: Result<Channel, Error>, _ completion: (Result<UpstreamConnection, Error>) -> Void) {
        switch result {
        case .success(let channel):
            do {
                let connection = try channel.pipeline.syncOperations.handler(type: UpstreamConnection.self)
                connection.pool = self
                completion(.success(connection))
            } catch {
                channel.close(promise: nil)
                completion(.failure(error))
            }
        case .failure(let error):
            completion(.failure(error))
        }
    }

    /// Takes a connection back after a complete, reusable exchange.
    func release(_ connection: UpstreamConnection) {
        eventLoop.preconditionInEventLoop()
        connection.delegate = nil
        guard connection.isActive, idle.count < maximumIdle else { return connection.close() }
        idle.append(connection)
    }

    /// Forgets a connection that closed.
    func discard(_ connection: UpstreamConnection) {
        idle.removeAll { $0 === connection }
    }

    /// Closes every idle connection (shutdown).
    func closeIdle() {
        let connections = idle
        idle.removeAll()
        for connection in connections { connection.close() }
    }
}

/// One pool per event loop and target, created when the server starts.
final class UpstreamPools: Sendable {
    private let pools: [ObjectIdentifier: [UpstreamTarget: UpstreamPool]]

    init(group: EventLoopGroup, targets: [UpstreamTarget], connectTimeout: TimeAmount, readTimeout: TimeAmount, maximumIdle: Int) {
        var pools: [ObjectIdentifier: [UpstreamTarget: UpstreamPool]] = [:]
        for loop in group.makeIterator() {
            var byTarget: [UpstreamTarget: UpstreamPool] = [:]
            for target in targets {
                byTarget[target] = UpstreamPool(
                    eventLoop: loop, target: target, connectTimeout: connectTimeout, readTimeout: readTimeout, maximumIdle: maximumIdle
                )
            }
            pools[ObjectIdentifier(loop)] = byTarget
        }
        self.pools = pools
    }

    func pool(for loop: EventLoop, target: UpstreamTarget) -> UpstreamPool? {
        pools[ObjectIdentifier(loop)]?[target]
    }

    func closeIdle() {
        for byTarget in pools.values {
            for pool in byTarget.values { pool.eventLoop.execute { pool.closeIdle() } }
        }
    }
}
