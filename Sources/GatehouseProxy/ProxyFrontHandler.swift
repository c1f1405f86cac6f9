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
final class ProxyFrontHandler: ChannelDuplexHandler, RemovableChannelHandler, UpstreamConnectionDelegate {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let environment: ProxyEnvironment
    private let codec: FrontCodecHandlers
    private var context: ChannelHandlerContext?
    private var upstreamPool: UpstreamPool?
    private var applicationPool: UpstreamPool?
    private var peer: String?
    /// The trust decision for this peer under one policy; holding the policy itself (not its
    /// address, which a reloaded policy could reuse) keeps a stale decision from surviving a reload.
    private var trust: (policy: ProxyPolicy, trusted: Bool)?
    private var requestIDs = RequestIdentifierGenerator()
    private var exchange: ProxyExchange?
    private var readPending = false
    private var upstreamNeedsFlush = false
    /// Parts of pipelined requests that came while an earlier response was still going out.
    /// (NIO's HTTPServerPipelineHandler would instead stop reading during every response, which
    /// costs two epoll_ctl calls per request.)
    private var pipelined: [HTTPServerRequestPart] = []
    private var processingPipelined = false
    private static let maximumPipelinedParts = 16
    /// The response is out and the connection closes once the client stops sending.
    private var lingering = false

    init(environment: ProxyEnvironment, codec: FrontCodecHandlers) {
        self.environment = environment
        self.codec = codec
    }

    var frontIsWritable: Bool { context?.channel.isWritable ?? false }

    var isSendingRequest: Bool {
        guard let exchange else { return false }
        return !exchange.requestEnded && !exchange.discardingBody
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        upstreamPool = environment.pools.pool(for: context.eventLoop, target: environment.upstream)
        applicationPool = environment.pools.pool(for: context.eventLoop, target: environment.application)
        peer = context.channel.remoteAddress?.ipAddress
    }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    // MARK: Client side

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if lingering { return }
        let part = unwrapInboundIn(data)
        if !pipelined.isEmpty || exchange?.requestEnded == true {
            // A later request, pipelined behind one whose response is not finished.
            pipelined.append(part)
            return
        }
        receive(part, context: context)
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
        while !pipelined.isEmpty && exchange?.requestEnded != true {
            receive(pipelined.removeFirst(), context: context)
        }
        // No read of the client follows this (it happens on the upstream's turn): flush here.
        if upstreamNeedsFlush {
            upstreamNeedsFlush = false
            exchange?.upstream?.flush()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            // Shutting down: idle connections close now, busy ones after their response.
            pipelined.removeAll()
            if let exchange {
                exchange.keepAlive = false
            } else {
                context.close(promise: nil)
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if upstreamNeedsFlush {
            upstreamNeedsFlush = false
            exchange?.upstream?.flush()
        }
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        if pipelined.count >= Self.maximumPipelinedParts {
            readPending = true
            return
        }
        if let exchange, exchange.asksForUpgrade, exchange.requestEnded, !exchange.upgrading {
            // NIO's decoder parses nothing after an upgrade request: reading on would only pile
            // bytes up in its buffer. The 101 (glue takes over) or the close that follows decides.
            readPending = true
            return
        }
        if let exchange, !exchange.discardingBody, !exchange.requestEnded, !exchange.inProcess {
            // Hold the client while there is nowhere to put its bytes yet.
            guard let upstream = exchange.upstream, upstream.isWritable else {
                readPending = true
                return
            }
        }
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { exchange?.upstream?.resumeReading() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let exchange {
            self.exchange = nil
            if let upstream = exchange.upstream {
                upstream.delegate = nil
                upstream.close()
            }
            complete(exchange, status: exchange.responseEnded ? exchange.status : 499)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    private func resumeClientReads() {
        guard readPending, let context else { return }
        readPending = false
        context.read()
    }

    private func receiveHead(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let start = NIODeadline.now()
        let policy = environment.policy.policy
        let requestID: String
        if let inbound = head.headers.first(name: "x-request-id"), RequestIdentifierGenerator.isAcceptable(inbound) {
            requestID = inbound
        } else {
            requestID = requestIDs.next()
        }
        let path = head.uri[..<(head.uri.firstIndex(of: "?") ?? head.uri.endIndex)]
        environment.observer.requestStarted()
        var facts = RequestHeadFacts(head.headers)
        // NIO's decoder parses nothing after a CONNECT either, whatever its target.
        if head.method == .CONNECT { facts.asksForUpgrade = true }

        if head.method == .CONNECT || head.method == .TRACE {
            // Never proxied: a tunnel, and a method whose body NIO's encoder drops (the upstream
            // would read it as the next request), that no dashboard needs.
            let exchange = ProxyExchange(
                head: head, keepAlive: false, path: String(path), requestID: requestID, route: .gate, start: start, upgradeRequested: false
            )
            exchange.asksForUpgrade = facts.asksForUpgrade
            self.exchange = exchange
            return respondLocally(LocalResponse.methodNotAllowed(wantsJSON: exchange.wantsJSON), to: exchange)
        }

        guard let requestPath = RequestPath(target: head.uri), facts.hostCount <= 1, !facts.hostIsMalformed else {
            let exchange = ProxyExchange(
                head: head, keepAlive: false, path: String(path), requestID: requestID, route: .gate, start: start, upgradeRequested: false
            )
            self.exchange = exchange
            let response =
                facts.hostCount > 1 || facts.hostIsMalformed
                ? LocalResponse.badHost(wantsJSON: exchange.wantsJSON) : LocalResponse.badRequestTarget(wantsJSON: exchange.wantsJSON)
            respondLocally(response, to: exchange)
            return
        }
        let route: RouteClass
        let pool: UpstreamPool?
        let application = environment.routes.route(for: path)
        if let application {
            route = application.routeClass
            pool = applicationPool
        } else if policy.isPublic(requestPath) {
            route = .upstream
            pool = upstreamPool
        } else {
            route = .gate
            pool = nil
        }
        guard let pool else {
            let exchange = ProxyExchange(
                head: head, keepAlive: head.isKeepAlive, path: String(path), requestID: requestID, route: route, start: start,
                upgradeRequested: false
            )
            exchange.requestPath = requestPath
            exchange.asksForUpgrade = facts.asksForUpgrade
            self.exchange = exchange
            if let sessions = environment.sessions, let cookie = CookieValue.find(policy.sessionCookie, in: head.headers) {
                if let identity = sessions.cachedIdentity(forCookie: cookie) {
                    gate(exchange, head: head, identity: identity, policy: policy, requestID: requestID)
                    return
                }
                // Body parts wait in `buffered` (reads are held) until the session is known.
                sessions.identity(forCookie: cookie, on: context.eventLoop).hop(to: context.eventLoop).assumeIsolated().whenComplete {
                    [weak self] result in
                    let identity = (try? result.get()) ?? nil
                    self?.gate(exchange, head: head, identity: identity, policy: policy, requestID: requestID)
                }
                return
            }
            respondLocally(
                environment.loginRequired.response(method: exchange.method, uri: exchange.uri, wantsJSON: exchange.wantsJSON), to: exchange)
            return
        }
        forward(
            head, to: pool, route: route, application: application, path: path, requestID: requestID, start: start, policy: policy,
            facts: facts)
    }

    /// The access gate once the session is known: the login page, a rule's 403, or on to the upstream.
    private func gate(_ exchange: ProxyExchange, head: HTTPRequestHead, identity: ProxyIdentity?, policy: ProxyPolicy, requestID: String) {
        guard self.exchange === exchange, let upstreamPool else { return }
        guard let identity else {
            respondLocally(
                environment.loginRequired.response(method: exchange.method, uri: exchange.uri, wantsJSON: exchange.wantsJSON), to: exchange)
            return
        }
        guard identity.isHeaderSafe else {
            // Never sent: the value would become a header of its own (or a second request).
            environment.observer.refusedIdentity(userID: identity.userID, requestID: requestID)
            return respondLocally(LocalResponse.upstreamError(.badGateway, wantsJSON: exchange.wantsJSON, requestID: requestID), to: exchange)
        }
        guard let requestPath = exchange.requestPath, policy.rules.allows(role: identity.role, method: head.method, path: requestPath) else {
            respondLocally(LocalResponse.forbidden(wantsJSON: exchange.wantsJSON, requestID: requestID), to: exchange)
            return
        }
        let outbound = UpstreamRequestHeaders(
            from: head.headers, policy: policy, peer: peer, peerIsTrusted: isTrusted(policy), requestID: requestID, identity: identity
        )
        exchange.route = .upstream
        exchange.gatehouseCookies = policy.cookies
        exchange.upgradeRequested = outbound.upgrade != nil
        exchange.pool = upstreamPool
        exchange.buffered.insert(.head(HTTPRequestHead(version: .http1_1, method: head.method, uri: head.uri, headers: outbound.headers)), at: 0)
        upstreamPool.acquire { [weak self] result in self?.attach(result, to: exchange) }
    }

    /// Sends a request that needs no session on: a public path to the upstream, or one of
    /// Gatehouse's own routes to the application, held to that route's body limit.
    private func forward(
        _ head: HTTPRequestHead, to pool: UpstreamPool, route: RouteClass, application: ApplicationRoute?, path: Substring, requestID: String,
        start: NIODeadline, policy: ProxyPolicy, facts: RequestHeadFacts
    ) {
        let outbound = UpstreamRequestHeaders(
            from: head.headers, policy: policy, peer: peer, peerIsTrusted: isTrusted(policy), requestID: requestID,
            towardsGatehouse: application != nil
        )
        let exchange = ProxyExchange(
            head: head, keepAlive: head.isKeepAlive, path: String(path), requestID: requestID, route: route, start: start,
            upgradeRequested: outbound.upgrade != nil
        )
        exchange.asksForUpgrade = facts.asksForUpgrade
        self.exchange = exchange
        if let application {
            let limit = (bytes: application.maximumBodyBytes, tooLarge: application.bodyTooLarge)
            exchange.bodyLimit = limit
            // Refused on the declared size, before a byte of the body is read.
            if let declared = facts.contentLength, declared > limit.bytes { return respondLocally(limit.tooLarge, to: exchange) }
        } else {
            exchange.gatehouseCookies = policy.cookies
        }
        exchange.buffered.append(.head(HTTPRequestHead(version: .http1_1, method: head.method, uri: head.uri, headers: outbound.headers)))
        if let inProcess = application?.inProcessApplication, outbound.upgrade == nil {
            // Buffered whole (bounded) and answered in this process when the request ends.
            exchange.inProcess = true
            exchange.inProcessApplication = inProcess
            return
        }
        exchange.pool = pool
        pool.acquire { [weak self] result in self?.attach(result, to: exchange) }
    }

    /// Hands a whole in-process request to the application and its answer to the client, as if
    /// an upstream had sent it.
    private func dispatchInProcess(_ exchange: ProxyExchange) {
        guard let context, let application = exchange.inProcessApplication else { return }
        var head: HTTPRequestHead?
        var body = context.channel.allocator.buffer(capacity: exchange.bodyBytes)
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
                if response.body.readableBytes > 0 && !exchange.isHEAD { self.upstreamReceived(.body(response.body)) }
                self.upstreamReceived(.end(nil))
            case .failure:
                self.upstreamFailed(.closed)
            }
        }
    }

    private func isTrusted(_ policy: ProxyPolicy) -> Bool {
        if let trust, trust.policy === policy { return trust.trusted }
        let trusted = policy.isTrustedProxy(peer)
        trust = (policy, trusted)
        return trusted
    }

    private func attach(_ result: Result<UpstreamConnection, Error>, to exchange: ProxyExchange) {
        guard self.exchange === exchange else {
            // The client went away while we connected: keep the connection for someone else.
            if case .success(let connection) = result { exchange.pool?.release(connection) }
            return
        }
        switch result {
        case .success(let connection):
            exchange.upstream = connection
            connection.delegate = self
            for part in exchange.buffered { connection.write(part) }
            exchange.buffered.removeAll()
            connection.flush()
            resumeClientReads()
        case .failure:
            upstreamFailed(.connect)
        }
    }

    private func receiveBody(_ body: ByteBuffer) {
        guard let exchange, !exchange.discardingBody else { return }
        exchange.bodyBytes += body.readableBytes
        if let limit = exchange.bodyLimit, exchange.bodyBytes > limit.bytes, !exchange.responseStarted {
            // A chunked body has no declared size: it is cut off where it passes the limit.
            exchange.upstreamReusable = false
            return respondLocally(limit.tooLarge, to: exchange)
        }
        if let upstream = exchange.upstream {
            upstream.write(.body(.byteBuffer(body)))
            upstreamNeedsFlush = true
        } else {
            exchange.buffered.append(.body(.byteBuffer(body)))
        }
    }

    private func receiveEnd() {
        guard let exchange else { return }
        exchange.requestEnded = true
        if !exchange.discardingBody {
            if let upstream = exchange.upstream {
                upstream.write(.end(nil))
                upstreamNeedsFlush = true
            } else {
                exchange.buffered.append(.end(nil))
            }
            if exchange.inProcess { dispatchInProcess(exchange) }
        }
        if exchange.responseEnded { finish(exchange) }
    }

    // MARK: Upstream side

    func upstreamReceived(_ part: HTTPClientResponsePart) {
        guard let exchange, let context else { return }
        switch part {
        case .head(var head):
            if head.status == .switchingProtocols {
                // A 101 for anything but the WebSocket upgrade Gatehouse forwarded is no answer.
                guard exchange.upgradeRequested else {
                    let upstream = exchange.upstream
                    upstreamFailed(.closed)
                    upstream?.close()
                    return
                }
                exchange.upgrading = true
            } else {
                if !head.isKeepAlive { exchange.upstreamReusable = false }
                HopByHopHeaders.remove(from: &head.headers)
                exchange.gatehouseCookies?.removeGatehouseCookies(from: &head.headers)
                // Framing is Gatehouse's (the encoder's automatic framing does not know the
                // request's method, and would end a HEAD response with a chunk terminator).
                if !head.headers.contains(name: "content-length") && !exchange.isHEAD && head.status.mayHaveResponseBody {
                    if exchange.version.minor == 0 {
                        exchange.keepAlive = false
                    } else {
                        head.headers.add(name: "Transfer-Encoding", value: "chunked")
                    }
                }
                // Not switched: the decoder will read nothing more of this connection.
                if exchange.asksForUpgrade { exchange.keepAlive = false }
                if !exchange.keepAlive { head.headers.add(name: "Connection", value: "close") }
            }
            head.version = exchange.version
            head.headers.replaceOrAdd(name: "X-Request-Id", value: exchange.requestID)
            exchange.status = Int(head.status.code)
            exchange.responseStarted = true
            context.write(wrapOutboundOut(.head(head)), promise: nil)
        case .body(let body):
            // A response to HEAD has no body, whatever an upstream sends.
            if !exchange.isHEAD { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        case .end:
            if exchange.upgrading { return upgrade(exchange, context: context) }
            exchange.responseEnded = true
            // Flush here: once the exchange ends, this connection is no longer the upstream's delegate.
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            if exchange.requestEnded {
                finish(exchange)
            } else {
                // The upstream answered before the body was sent: drop the rest of the body
                // and this upstream connection, whose request was cut short.
                exchange.discardingBody = true
                exchange.upstreamReusable = false
                detachUpstream(of: exchange)
                resumeClientReads()
            }
        }
    }

    func upstreamReadComplete() { context?.flush() }

    func upstreamBecameWritable() { resumeClientReads() }

    func upstreamFailed(_ failure: UpstreamFailure) {
        guard let exchange, let context else { return }
        environment.observer.upstreamFailed(failure, route: exchange.route)
        exchange.upstream?.delegate = nil
        exchange.upstream = nil
        exchange.upstreamReusable = false
        if exchange.responseStarted {
            // Part of a response is already out: the only honest signal left is closing.
            exchange.keepAlive = false
            self.exchange = nil
            complete(exchange, status: exchange.status)
            context.flush()
            context.close(promise: nil)
            return
        }
        let status: HTTPResponseStatus = failure == .readTimeout ? .gatewayTimeout : .badGateway
        respondLocally(LocalResponse.upstreamError(status, wantsJSON: exchange.wantsJSON, requestID: exchange.requestID), to: exchange)
    }

    // MARK: Endings

    private func respondLocally(_ response: LocalResponse, to exchange: ProxyExchange) {
        guard let context else { return }
        var headers = response.headers
        headers.add(name: "Content-Length", value: String(response.body.utf8.count))
        headers.add(name: "X-Request-Id", value: exchange.requestID)
        if !exchange.requestEnded && exchange.method != .GET && exchange.method != .HEAD {
            // A body we will not read to the end: close rather than parse it as the next request.
            exchange.keepAlive = false
        }
        if exchange.asksForUpgrade { exchange.keepAlive = false }
        if !exchange.keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: exchange.version, status: response.status, headers: headers))), promise: nil)
        if !exchange.isHEAD && !response.body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: response.body)))), promise: nil)
        }
        context.write(wrapOutboundOut(.end(nil)), promise: nil)
        context.flush()
        exchange.status = Int(response.status.code)
        exchange.responseStarted = true
        exchange.responseEnded = true
        exchange.buffered.removeAll()
        if exchange.requestEnded || !exchange.keepAlive {
            finish(exchange)
        } else {
            exchange.discardingBody = true
            resumeClientReads()
        }
    }

    private func detachUpstream(of exchange: ProxyExchange) {
        guard let upstream = exchange.upstream else { return }
        exchange.upstream = nil
        upstream.delegate = nil
        if exchange.upstreamReusable, let pool = exchange.pool {
            pool.release(upstream)
        } else {
            upstream.close()
        }
    }

    private func finish(_ exchange: ProxyExchange) {
        guard self.exchange === exchange, let context else { return }
        self.exchange = nil
        detachUpstream(of: exchange)
        complete(exchange, status: exchange.status)
        if !exchange.keepAlive {
            pipelined.removeAll()
            context.flush()
            if exchange.requestEnded || exchange.asksForUpgrade {
                context.close(promise: nil)
            } else {
                lingerBeforeClosing(context: context)
            }
            return
        }
        processPipelined()
        resumeClientReads()
    }

    /// Answered before the client finished sending (a 413, a refusal): what it still sends is
    /// read and dropped (`LingeringClose`), so that it reads the answer instead of a reset.
    private func lingerBeforeClosing(context: ChannelHandlerContext) {
        lingering = true
        LingeringClose.begin(context.channel)
        resumeClientReads()
    }

    private func complete(_ exchange: ProxyExchange, status: Int) {
        environment.observer.requestCompleted(
            CompletedRequest(
                requestID: exchange.requestID, method: exchange.method.rawValue, path: exchange.path, status: status,
                route: exchange.route, duration: .nanoseconds(Int64((NIODeadline.now() - exchange.start).nanoseconds)), peer: peer
            )
        )
    }

    // MARK: Protocol upgrade (WebSocket)

    /// After a 101, both connections stop speaking HTTP: the HTTP handlers leave both pipelines
    /// and a pair of glue handlers copies bytes, keeping whatever the decoders had read ahead.
    private func upgrade(_ exchange: ProxyExchange, context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.end(nil)), promise: nil)
        context.flush()
        self.exchange = nil
        complete(exchange, status: 101)
        guard let upstream = exchange.upstream, let upstreamChannel = upstream.channel else {
            context.close(promise: nil)
            return
        }
        upstream.delegate = nil
        let (clientGlue, upstreamGlue) = GlueHandler.matchedPair()
        do {
            let front = context.pipeline.syncOperations
            let back = upstreamChannel.pipeline.syncOperations
            try front.addHandler(clientGlue)
            try back.addHandler(upstreamGlue)
            // Reads held while the upgrade was pending go on through the glue.
            if readPending {
                readPending = false
                context.read()
            }
            _ = back.removeHandler(upstream)
            _ = back.removeHandler(name: UpstreamPool.validatorHandlerName)
            _ = back.removeHandler(name: UpstreamPool.idleHandlerName)
            _ = back.removeHandler(name: UpstreamPool.decoderHandlerName)
            _ = back.removeHandler(name: UpstreamPool.encoderHandlerName)
            _ = front.removeHandler(codec.errors)
            _ = front.removeHandler(context: context)
            _ = front.removeHandler(codec.decoder)
            _ = front.removeHandler(codec.encoder)
        } catch {
            upstream.close()
            context.close(promise: nil)
        }
    }
}
