import NIOCore
import NIOHTTP1

/// What every front connection shares: policy, pools, observer.
struct ProxyEnvironment: Sendable {
    let policy: ProxyPolicyBox
    let observer: ProxyObserver
    let pools: UpstreamPools
    let upstream: UpstreamTarget
    let application: UpstreamTarget
    /// Gatehouse's own routes, most specific first.
    let routes: [ApplicationRoute]
    let loginRequired: LoginRequired
    /// Sessions behind cookies; nil only where no session store is wired (some tests).
    let sessions: SessionResolver?
}

/// The HTTP/1 handlers in front of `ProxyFrontHandler`, removed when a connection is upgraded.
struct FrontCodecHandlers {
    let encoder: HTTPResponseEncoder
    let decoder: ByteToMessageHandler<HTTPRequestDecoder>
    let errors: HTTPServerProtocolErrorHandler
}

/// The hot path: one per client connection. Strips spoofable headers, applies the access gate,
/// and streams each request to a pooled upstream connection on the same event loop and the
/// response back, part by part, holding reads on whichever side is ahead (backpressure).
///
/// What happens when is decided by `ProxyConnectionStateMachine`; this handler carries the
/// machine's actions out on the channels. Routing a request head is in `+Routing`, the switch
/// to raw bytes after a 101 in `+Upgrade`.
final class ProxyFrontHandler: ChannelDuplexHandler, RemovableChannelHandler, UpstreamConnectionDelegate {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    let environment: ProxyEnvironment
    let codec: FrontCodecHandlers?
    var context: ChannelHandlerContext?
    var upstreamPool: UpstreamPool?
    var applicationPool: UpstreamPool?
    var peer: String?
    /// The trust decision for this peer under one policy; holding the policy itself (not its
    /// address, which a reloaded policy could reuse) keeps a stale decision from surviving a reload.
    var trust: (policy: ProxyPolicy, trusted: Bool)?
    var requestIDs = RequestIdentifierGenerator()
    var machine = ProxyConnectionStateMachine()
    /// The request in progress (nil exactly when the machine has no exchange); async answers
    /// (session, pool, in-process) for an older one are recognised by identity and dropped.
    var exchange: ProxyExchange?
    private var processingPipelined = false

    /// - Parameter codec: the HTTP handlers to remove on an upgrade (nil: none, as in unit tests).
    init(environment: ProxyEnvironment, codec: FrontCodecHandlers?) {
        self.environment = environment
        self.codec = codec
    }

    var frontIsWritable: Bool { context?.channel.isWritable ?? false }

    var isSendingRequest: Bool { machine.isSendingRequest }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        upstreamPool = environment.pools.pool(for: context.eventLoop, target: environment.upstream)
        applicationPool = environment.pools.pool(for: context.eventLoop, target: environment.application)
        peer = context.channel.remoteAddress?.ipAddress
    }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    // MARK: Client side

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch machine.clientSent(part) {
        case .receive: receive(part, context: context)
        case .queued, .drop: break
        }
    }

    private func receive(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch part {
        case .head(let head): receiveHead(head, context: context)
        case .body(let body): receiveBody(body)
        case .end: receiveEnd()
        }
    }

    /// Serves pipelined requests in order once the one before them is done.
    private func processPipelined() {
        guard !processingPipelined, let context else { return }
        processingPipelined = true
        defer { processingPipelined = false }
        while let part = machine.nextPipelinedPart() { receive(part, context: context) }
        // No read of the client follows this (it happens on the upstream's turn): flush here.
        if machine.takeUpstreamFlush() { exchange?.upstream?.flush() }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            // Shutting down: idle connections close now, busy ones after their response.
            if machine.quiesce() { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if machine.takeUpstreamFlush() { exchange?.upstream?.flush() }
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        switch machine.readRequested(upstreamIsWritable: exchange?.upstream?.isWritable ?? false) {
        case .read: context.read()
        case .hold: break
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { exchange?.upstream?.resumeReading() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let ended = machine.channelInactive(), let exchange {
            self.exchange = nil
            if let upstream = exchange.upstream {
                upstream.delegate = nil
                upstream.close()
            }
            complete(exchange, status: ended.status, route: ended.route)
        }
        exchange = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    private func resumeClientReads() {
        guard let context, machine.resumeReads() else { return }
        context.read()
    }

    /// Hands a whole in-process request to the application and its answer to the client, as if
    /// an upstream had sent it.
    private func dispatchInProcess(_ exchange: ProxyExchange) {
        guard let context, let application = exchange.inProcessApplication else { return }
        var head: HTTPRequestHead?
        var body = context.channel.allocator.buffer(capacity: machine.exchange?.bodyBytes ?? 0)
        for part in exchange.buffered {
            switch part {
            case .head(let requestHead): head = requestHead
            case .body(.byteBuffer(var chunk)): body.writeBuffer(&chunk)
            case .body, .end: break
            }
        }
        exchange.buffered.removeAll()
        guard let head else { return upstreamFailed(.closed) }
        application.respond(to: head, body: body, channel: context.channel).hop(to: context.eventLoop).assumeIsolated().whenComplete {
            [weak self] result in
            guard let self, self.exchange === exchange else { return }
            switch result {
            case .success(let response):
                self.upstreamReceived(.head(response.head))
                if response.body.readableBytes > 0 { self.upstreamReceived(.body(response.body)) }
                self.upstreamReceived(.end(nil))
            case .failure:
                self.upstreamFailed(.closed)
            }
        }
    }

    func attach(_ result: Result<UpstreamConnection, Error>, to exchange: ProxyExchange) {
        guard self.exchange === exchange else {
            // The client went away while we connected: keep the connection for someone else.
            if case .success(let connection) = result { exchange.pool?.release(connection) }
            return
        }
        switch result {
        case .success(let connection):
            switch machine.upstreamConnected() {
            case .attach:
                exchange.upstream = connection
                connection.delegate = self
                for part in exchange.buffered { connection.write(part) }
                exchange.buffered.removeAll()
                connection.flush()
                resumeClientReads()
            case .close:
                connection.close()
            }
        case .failure:
            upstreamFailed(.connect)
        }
    }

    private func receiveBody(_ body: ByteBuffer) {
        guard let exchange else { return }
        switch machine.bodyReceived(bytes: body.readableBytes) {
        case .write: exchange.upstream?.write(.body(.byteBuffer(body)))
        case .buffer: exchange.buffered.append(.body(.byteBuffer(body)))
        case .tooLarge:
            if let tooLarge = exchange.bodyTooLarge { respondLocally(tooLarge, to: exchange) }
        case .drop: break
        }
    }

    private func receiveEnd() {
        guard let exchange else { return }
        switch machine.requestEnded() {
        case .write: exchange.upstream?.write(.end(nil))
        case .buffer: exchange.buffered.append(.end(nil))
        case .dispatch:
            exchange.buffered.append(.end(nil))
            dispatchInProcess(exchange)
        case .finish(let finish): self.finish(exchange, finish)
        case .none: break
        }
    }

    // MARK: Upstream side

    func upstreamReceived(_ part: HTTPClientResponsePart) {
        guard let exchange, let context else { return }
        switch part {
        case .head(var head):
            let isKeepAlive = head.isKeepAlive
            if head.status != .switchingProtocols {
                HopByHopHeaders.remove(from: &head.headers)
                exchange.gatehouseCookies?.removeGatehouseCookies(from: &head.headers)
            }
            switch machine.upstreamResponseHead(
                status: head.status, isKeepAlive: isKeepAlive, hasContentLength: head.headers.contains(name: "content-length"))
            {
            case .forward(let chunked, let close):
                if chunked { head.headers.add(name: "Transfer-Encoding", value: "chunked") }
                if close { head.headers.add(name: "Connection", value: "close") }
            case .switchProtocols:
                break
            case .fail:
                let upstream = exchange.upstream
                upstreamFailed(.closed)
                upstream?.close()
                return
            case .ignore:
                return
            }
            head.version = exchange.version
            head.headers.replaceOrAdd(name: "X-Request-Id", value: exchange.requestID)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
        case .body(let body):
            if machine.upstreamResponseBody() { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        case .end:
            switch machine.upstreamResponseEnded() {
            case .upgrade(let route):
                upgrade(exchange, route: route, context: context)
            case .finish(let finish):
                // Flush here: once the exchange ends, this connection is no longer the upstream's delegate.
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                self.finish(exchange, finish)
            case .discardRestOfBody:
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                detachUpstream(of: exchange, release: false)
                resumeClientReads()
            case .none:
                break
            }
        }
    }

    func upstreamReadComplete() { context?.flush() }

    func upstreamBecameWritable() { resumeClientReads() }

    func upstreamFailed(_ failure: UpstreamFailure) {
        guard let exchange, let context, let route = machine.exchange?.route else { return }
        environment.observer.upstreamFailed(failure, route: route)
        exchange.upstream?.delegate = nil
        exchange.upstream = nil
        switch machine.upstreamFailed(failure) {
        case .respond(let status):
            respondLocally(LocalResponse.upstreamError(status, wantsJSON: exchange.wantsJSON, requestID: exchange.requestID), to: exchange)
        case .close(let status, let route):
            // Part of a response is already out: the only honest signal left is closing.
            self.exchange = nil
            complete(exchange, status: status, route: route)
            context.flush()
            context.close(promise: nil)
        case .none:
            break
        }
    }

    // MARK: Endings

    func respondLocally(_ response: LocalResponse, to exchange: ProxyExchange) {
        guard let context, let action = machine.respondingLocally(status: response.status) else { return }
        var headers = response.headers
        headers.add(name: "Content-Length", value: String(response.body.utf8.count))
        headers.add(name: "X-Request-Id", value: exchange.requestID)
        if action.close { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: exchange.version, status: response.status, headers: headers))), promise: nil)
        if action.includeBody && !response.body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: response.body)))), promise: nil)
        }
        context.write(wrapOutboundOut(.end(nil)), promise: nil)
        context.flush()
        exchange.buffered.removeAll()
        if let finish = action.finish {
            self.finish(exchange, finish)
        } else {
            // The rest of the body is dropped; an upstream it was going to is of no more use.
            detachUpstream(of: exchange, release: false)
            resumeClientReads()
        }
    }

    private func detachUpstream(of exchange: ProxyExchange, release: Bool) {
        guard let upstream = exchange.upstream else { return }
        exchange.upstream = nil
        upstream.delegate = nil
        if release, let pool = exchange.pool {
            pool.release(upstream)
        } else {
            upstream.close()
        }
    }

    private func finish(_ exchange: ProxyExchange, _ finish: ProxyConnectionStateMachine.Finish) {
        guard self.exchange === exchange, let context else { return }
        self.exchange = nil
        detachUpstream(of: exchange, release: finish.releaseUpstream)
        complete(exchange, status: finish.status, route: finish.route)
        switch finish.next {
        case .serveNext:
            processPipelined()
            resumeClientReads()
        case .close:
            context.flush()
            // Half-close first: it waits for the bytes still queued for the socket (a reader
            // behind on a download), where a full close would drop them. Reads go on (and are
            // dropped) meanwhile: bytes left unread would make the final close a reset. A client
            // that stops reading is closed by the front timeout handler.
            context.channel.closeAfterQueuedBytes()
            resumeClientReads()
        case .linger:
            // Answered before the client finished sending (a 413, a refusal): what it still
            // sends is read and dropped (`LingeringClose`), so that it reads the answer instead of a reset.
            context.flush()
            LingeringClose.begin(context.channel)
            resumeClientReads()
        }
    }

    func complete(_ exchange: ProxyExchange, status: Int, route: RouteClass) {
        environment.observer.requestCompleted(
            CompletedRequest(
                requestID: exchange.requestID, method: exchange.method.rawValue, path: exchange.path, status: status, route: route,
                duration: .nanoseconds(Int64((NIODeadline.now() - exchange.start).nanoseconds)), peer: peer
            )
        )
    }
}
