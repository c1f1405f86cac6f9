import NIOHTTP1

/// Builds the headers a request carries upstream, in one pass over what the client sent:
/// identity headers, hop-by-hop headers (and those `Connection` names), Gatehouse's cookies and
/// the client's request id are dropped; `X-Forwarded-*` are believed only from trusted proxies;
/// then Gatehouse's own forwarding headers, request id and framing are added.
struct UpstreamRequestHeaders {
    var headers: HTTPHeaders
    /// The `Upgrade` value when the client asked for a protocol upgrade (WebSocket).
    var upgrade: String?

    /// - Parameter towardsGatehouse: true only towards Gatehouse's own application (an
    ///   `ApplicationRoute`): it needs its own cookies, and forward-auth decides on method-override
    ///   headers (nginx's auth_request copies the client's); the upstream never gets either.
    init(
        from inbound: HTTPHeaders, policy: ProxyPolicy, peer: String?, peerIsTrusted trusted: Bool, requestID: String,
        towardsGatehouse: Bool = false, identity: ProxyIdentity? = nil
    ) {
        let connectionTokens = inbound[canonicalForm: "connection"]
        var outbound = HTTPHeaders()
        outbound.reserveCapacity(inbound.count + 4)
        var chunked = false
        var host: String?
        var forwardedFor: [String] = []
        var sawProto = false
        var sawHost = false
        var upgrade: String?
        var cookies: [String] = []

        for (name, value) in inbound {
            if policy.identityHeaders.isIdentityHeader(name) { continue }
            var kind = Self.classify(name)
            if kind == .other, name.utf8.contains(UInt8(ascii: "_")) {
                // CGI-style servers (WSGI, Rack, PHP) read `X_Forwarded_For` as `X-Forwarded-For`:
                // an underscore spelling of any header Gatehouse manages is never forwarded.
                // (Forward-auth still sees a method override so spelt: Rack honours it as well.)
                let dashed = Self.classify(String(name.map { $0 == "_" ? "-" : $0 }))
                if dashed == .methodOverride && towardsGatehouse {
                    kind = .methodOverride
                } else if dashed != .other {
                    continue
                }
            }
            switch kind {
            case .hopByHop:
                continue
            case .methodOverride:
                guard towardsGatehouse else { continue }
            case .transferEncoding:
                // The parser only accepts a Transfer-Encoding ending in chunked: the body is
                // chunked, and the framing is redone on the way out, never forwarded as sent.
                chunked = true
                continue
            case .upgrade:
                upgrade = value
                continue
            case .forwardedFor:
                if trusted { forwardedFor.append(value) }
                continue
            case .forwardedProto:
                guard trusted else { continue }
                sawProto = true
            case .forwardedHost:
                guard trusted else { continue }
                sawHost = true
            case .spoofable:
                guard trusted else { continue }
            case .requestID:
                continue
            case .cookie:
                if towardsGatehouse {
                    cookies.append(value)
                } else if let kept = policy.cookies.filtered(value) {
                    cookies.append(kept)
                }
                continue
            case .host:
                host = value
            case .contentLength:
                // Never removed, whatever `Connection` names: without it the upstream would read
                // the body of a GET as the next request (smuggling past the gate).
                break
            case .other:
                if !connectionTokens.isEmpty, connectionTokens.contains(where: { name.equalsIgnoringASCIICase($0) }) { continue }
            }
            outbound.add(name: name, value: value)
        }

        // Replaced, never appended: every inbound copy was dropped above.
        if let identity {
            let names = policy.identityNames
            outbound.add(name: names.user, value: identity.userID)
            outbound.add(name: names.email, value: identity.email)
            outbound.add(name: names.role, value: identity.role)
            outbound.add(name: names.tenant, value: identity.tenantID)
            if let token = identity.token { outbound.add(name: names.jwt, value: token) }
        }
        // One Cookie header, as RFC 6265 §5.4 has clients send it, whatever arrived.
        if !cookies.isEmpty { outbound.add(name: "Cookie", value: cookies.joined(separator: "; ")) }
        let client = peer ?? "unknown"
        forwardedFor.append(client)
        outbound.add(name: "X-Forwarded-For", value: forwardedFor.joined(separator: ", "))
        if !sawProto { outbound.add(name: "X-Forwarded-Proto", value: "http") }
        if !sawHost, let host { outbound.add(name: "X-Forwarded-Host", value: host) }
        outbound.add(name: "X-Request-Id", value: requestID)
        if chunked { outbound.add(name: "Transfer-Encoding", value: "chunked") }
        let asksUpgrade = connectionTokens.contains { "upgrade".equalsIgnoringASCIICase($0) }
        // Only WebSocket is tunnelled; any other protocol (h2c, TLS/1.0) would be a tunnel the
        // upstream never meant to offer through a proxy.
        if asksUpgrade, let upgrade, Substring(upgrade).trimmingSpaces().equalsIgnoringASCIICase("websocket") {
            outbound.add(name: "Connection", value: "upgrade")
            outbound.add(name: "Upgrade", value: upgrade)
            self.upgrade = upgrade
        } else {
            self.upgrade = nil
        }
        headers = outbound
    }

    private enum Kind {
        case hopByHop, transferEncoding, upgrade, forwardedFor, forwardedProto, forwardedHost, spoofable, methodOverride, requestID, cookie,
            host, contentLength, other
    }

    /// What a header name is, compared case-insensitively; the length narrows it first.
    /// `spoofable`: what frameworks read as the client's address, scheme, host or original URL
    /// (Django, Rails, Spring, Express, Symfony), believed only from trusted proxies.
    private static func classify(_ name: String) -> Kind {
        switch name.utf8.count {
        case 2: if name.equalsIgnoringASCIICase("te") { return .hopByHop }
        case 4: if name.equalsIgnoringASCIICase("host") { return .host }
        case 6:
            if name.equalsIgnoringASCIICase("cookie") { return .cookie }
            if name.equalsIgnoringASCIICase("x-host") { return .spoofable }
        case 8: if name.equalsIgnoringASCIICase("x-scheme") { return .spoofable }
        case 7:
            if name.equalsIgnoringASCIICase("upgrade") { return .upgrade }
            if name.equalsIgnoringASCIICase("trailer") { return .hopByHop }
        case 9:
            if name.equalsIgnoringASCIICase("forwarded") || name.equalsIgnoringASCIICase("x-real-ip") || name.equalsIgnoringASCIICase("client-ip") {
                return .spoofable
            }
        case 10: if name.equalsIgnoringASCIICase("connection") || name.equalsIgnoringASCIICase("keep-alive") { return .hopByHop }
        case 11:
            if name.equalsIgnoringASCIICase("x-client-ip") || name.equalsIgnoringASCIICase("x-remote-ip")
                || name.equalsIgnoringASCIICase("x-forwarded")
            {
                return .spoofable
            }
        case 12:
            if name.equalsIgnoringASCIICase("x-request-id") { return .requestID }
            if name.equalsIgnoringASCIICase("x-url-scheme") { return .spoofable }
        case 13:
            if name.equalsIgnoringASCIICase("x-http-method") { return .methodOverride }
            if name.equalsIgnoringASCIICase("x-rewrite-url") || name.equalsIgnoringASCIICase("x-remote-addr")
                || name.equalsIgnoringASCIICase("forwarded-for")
            {
                return .spoofable
            }
        case 14:
            if name.equalsIgnoringASCIICase("content-length") { return .contentLength }
            if name.equalsIgnoringASCIICase("x-original-uri") || name.equalsIgnoringASCIICase("x-original-url")
                || name.equalsIgnoringASCIICase("true-client-ip")
            {
                return .spoofable
            }
        case 15:
            if name.equalsIgnoringASCIICase("x-forwarded-for") { return .forwardedFor }
            if name.equalsIgnoringASCIICase("x-original-host") || name.equalsIgnoringASCIICase("front-end-https") { return .spoofable }
        case 16:
            if name.equalsIgnoringASCIICase("x-forwarded-host") { return .forwardedHost }
            if name.equalsIgnoringASCIICase("proxy-connection") { return .hopByHop }
            if name.equalsIgnoringASCIICase("cf-connecting-ip") || name.equalsIgnoringASCIICase("fastly-client-ip")
                || name.equalsIgnoringASCIICase("x-originating-ip")
            {
                return .spoofable
            }
        case 17:
            if name.equalsIgnoringASCIICase("transfer-encoding") { return .transferEncoding }
            if name.equalsIgnoringASCIICase("x-forwarded-proto") { return .forwardedProto }
            if name.equalsIgnoringASCIICase("x-method-override") { return .methodOverride }
        case 19: if name.equalsIgnoringASCIICase("x-cluster-client-ip") { return .spoofable }
        case 22: if name.equalsIgnoringASCIICase("x-http-method-override") { return .methodOverride }
        default: break
        }
        // Every other X-Forwarded-* (Port, Prefix, Server, Ssl, Scheme, Uri, Method, …).
        if name.utf8.count > 12, name.prefix(12).equalsIgnoringASCIICase("x-forwarded-") { return .spoofable }
        return .other
    }
}

extension StringProtocol {
    /// ASCII case-insensitive equality for header names (token characters only).
    func equalsIgnoringASCIICase(_ other: some StringProtocol) -> Bool {
        let left = utf8
        let right = other.utf8
        guard left.count == right.count else { return false }
        for (a, b) in zip(left, right) where a != b {
            let lowerA = a >= 0x41 && a <= 0x5a ? a | 0x20 : a
            let lowerB = b >= 0x41 && b <= 0x5a ? b | 0x20 : b
            if lowerA != lowerB { return false }
        }
        return true
    }
}
