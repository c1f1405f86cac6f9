import NIOCore
import NIOHTTP1

/// Where a request goes, decided on its head: refused before routing, one of Gatehouse's own
/// application routes, a public path to the upstream, or the access gate (a session, then the rules).
extension ProxyFrontHandler {
    func receiveHead(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
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
        let exchange = ProxyExchange(head: head, path: String(path), requestID: requestID, start: start)
        self.exchange = exchange

        if head.method == .CONNECT || head.method == .TRACE {
            // Never proxied: a tunnel, and a method whose body NIO's encoder drops (the upstream
            // would read it as the next request), that no dashboard needs.
            machine.requestStarted(
                method: head.method, version: head.version, keepAlive: false, asksForUpgrade: facts.asksForUpgrade, route: .gate, sink: .held)
            return respondLocally(LocalResponse.methodNotAllowed(wantsJSON: exchange.wantsJSON), to: exchange)
        }

        guard let requestPath = RequestPath(target: head.uri), facts.hostCount <= 1, !facts.hostIsMalformed else {
            machine.requestStarted(method: head.method, version: head.version, keepAlive: false, asksForUpgrade: false, route: .gate, sink: .held)
            let response =
                facts.hostCount > 1 || facts.hostIsMalformed
                ? LocalResponse.badHost(wantsJSON: exchange.wantsJSON) : LocalResponse.badRequestTarget(wantsJSON: exchange.wantsJSON)
            return respondLocally(response, to: exchange)
        }
        if let application = environment.routes.route(for: path) {
            forward(head, to: application, exchange: exchange, policy: policy, facts: facts)
        } else if policy.isPublic(requestPath) {
            forwardToUpstream(head, exchange: exchange, policy: policy, facts: facts)
        } else {
            exchange.requestPath = requestPath
            machine.requestStarted(
                method: head.method, version: head.version, keepAlive: head.isKeepAlive, asksForUpgrade: facts.asksForUpgrade, route: .gate,
                sink: .held)
            guard let sessions = environment.sessions, let cookie = CookieValue.find(policy.sessionCookie, in: head.headers) else {
                return respondLocally(
                    environment.loginRequired.response(method: exchange.method, uri: exchange.uri, wantsJSON: exchange.wantsJSON), to: exchange)
            }
            if let identity = sessions.cachedIdentity(forCookie: cookie) {
                return gate(exchange, head: head, identity: identity, policy: policy)
            }
            // Body parts wait in `buffered` (reads are held) until the session is known.
            sessions.identity(forCookie: cookie, on: context.eventLoop).hop(to: context.eventLoop).assumeIsolated().whenComplete {
                [weak self] result in
                switch result {
                case .success(let identity): self?.gate(exchange, head: head, identity: identity, policy: policy)
                case .failure(let error): self?.sessionUnavailable(exchange, error: error)
                }
            }
        }
    }

    /// The session could not be checked: never let the request through, and never send the
    /// person to sign in again (that needs the store too): a 503 they can retry.
    func sessionUnavailable(_ exchange: ProxyExchange, error: any Error) {
        guard self.exchange === exchange else { return }
        environment.observer.sessionLookupFailed(requestID: exchange.requestID, reason: String(describing: error))
        respondLocally(LocalResponse.sessionsUnavailable(wantsJSON: exchange.wantsJSON, requestID: exchange.requestID), to: exchange)
    }

    /// The access gate once the session is known: the login page, a rule's 403, or on to the upstream.
    func gate(_ exchange: ProxyExchange, head: HTTPRequestHead, identity: ProxyIdentity?, policy: ProxyPolicy) {
        guard self.exchange === exchange, let upstreamPool else { return }
        guard let identity else {
            return respondLocally(
                environment.loginRequired.response(method: exchange.method, uri: exchange.uri, wantsJSON: exchange.wantsJSON), to: exchange)
        }
        guard identity.isHeaderSafe else {
            // Never sent: the value would become a header of its own (or a second request).
            environment.observer.refusedIdentity(userID: identity.userID, requestID: exchange.requestID)
            return respondLocally(
                LocalResponse.upstreamError(.badGateway, wantsJSON: exchange.wantsJSON, requestID: exchange.requestID), to: exchange)
        }
        guard let requestPath = exchange.requestPath, policy.rules.allows(role: identity.role, method: head.method, path: requestPath) else {
            return respondLocally(LocalResponse.forbidden(wantsJSON: exchange.wantsJSON, requestID: exchange.requestID), to: exchange)
        }
        let outbound = UpstreamRequestHeaders(
            from: head.headers, policy: policy, peer: peer, peerIsTrusted: isTrusted(policy), requestID: exchange.requestID, identity: identity
        )
        machine.gatePassed(upgradeForwarded: outbound.upgrade != nil)
        exchange.gatehouseCookies = policy.cookies
        exchange.buffered.insert(.head(HTTPRequestHead(version: .http1_1, method: head.method, uri: head.uri, headers: outbound.headers)), at: 0)
        acquire(from: upstreamPool, for: exchange)
    }

    /// A public path: on to the upstream, no session needed.
    func forwardToUpstream(_ head: HTTPRequestHead, exchange: ProxyExchange, policy: ProxyPolicy, facts: RequestHeadFacts) {
        let outbound = UpstreamRequestHeaders(
            from: head.headers, policy: policy, peer: peer, peerIsTrusted: isTrusted(policy), requestID: exchange.requestID)
        machine.requestStarted(
            method: head.method, version: head.version, keepAlive: head.isKeepAlive, asksForUpgrade: facts.asksForUpgrade, route: .upstream,
            sink: .held, upgradeForwarded: outbound.upgrade != nil)
        exchange.gatehouseCookies = policy.cookies
        exchange.buffered.append(.head(HTTPRequestHead(version: .http1_1, method: head.method, uri: head.uri, headers: outbound.headers)))
        guard let upstreamPool else { return upstreamFailed(.connect) }
        acquire(from: upstreamPool, for: exchange)
    }

    /// One of Gatehouse's own routes: to the application, held to the route's body limit.
    func forward(
        _ head: HTTPRequestHead, to application: ApplicationRoute, exchange: ProxyExchange, policy: ProxyPolicy, facts: RequestHeadFacts
    ) {
        let outbound = UpstreamRequestHeaders(
            from: head.headers, policy: policy, peer: peer, peerIsTrusted: isTrusted(policy), requestID: exchange.requestID,
            towardsGatehouse: true)
        // Buffered whole (bounded) and answered in this process when the request ends.
        let inProcess = outbound.upgrade == nil ? application.inProcessApplication : nil
        machine.requestStarted(
            method: head.method, version: head.version, keepAlive: head.isKeepAlive, asksForUpgrade: facts.asksForUpgrade,
            route: application.routeClass, sink: inProcess == nil ? .held : .collected, upgradeForwarded: outbound.upgrade != nil,
            bodyLimit: application.maximumBodyBytes)
        exchange.bodyTooLarge = application.bodyTooLarge
        // Refused on the declared size, before a byte of the body is read.
        if let declared = facts.contentLength, declared > application.maximumBodyBytes {
            return respondLocally(application.bodyTooLarge, to: exchange)
        }
        exchange.buffered.append(.head(HTTPRequestHead(version: .http1_1, method: head.method, uri: head.uri, headers: outbound.headers)))
        if let inProcess {
            exchange.inProcessApplication = inProcess
            return
        }
        guard let applicationPool else { return upstreamFailed(.connect) }
        acquire(from: applicationPool, for: exchange)
    }

    func acquire(from pool: UpstreamPool, for exchange: ProxyExchange) {
        exchange.pool = pool
        pool.acquire { [weak self] result in self?.attach(result, to: exchange) }
    }

    func isTrusted(_ policy: ProxyPolicy) -> Bool {
        if let trust, trust.policy === policy { return trust.trusted }
        let trusted = policy.isTrustedProxy(peer)
        trust = (policy, trusted)
        return trusted
    }
}
