import NIOHTTP1

/// Builds the headers a request carries upstream, in one pass over what the client sent:
/// identity headers, hop-by-hop headers (and those `Connection` names), Gatehouse's cookies and
/// the client's request id are dropped; `X-Forwarded-*` are believed only from trusted proxies;
/// then Gatehouse's own forwarding headers, request id and framing are added.
struct UpstreamRequestHeaders {
    var headers: HTTPHeaders
    /// The `Upgrade` value when the client asked for a protocol upgrade (WebSocket).
    var upgrade: String?

    /// - Parameter keepGatehouseCookies: true only towards Gatehouse's own application (sign-in
    ///   needs its session and pending-sign-in cookies); the upstream never gets them.
    init(
        from inbound: HTTPHeaders, policy: ProxyPolicy, peer: String?, peerIsTrusted trusted: Bool, requestID: String,
        keepGatehouseCookies: Bool = false, identity: ProxyIdentity? = nil
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
            switch Self.classify(name) {
            case .hopByHop:
                continue
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
                if keepGatehouseCookies {
                    cookies.append(value)
                } else if let kept = policy.cookies.filtered(value) {
                    cookies.append(kept)
                }
                continue
            case .host:
                host = value
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
        if asksUpgrade, let upgrade {
            outbound.add(name: "Connection", value: "upgrade")
            outbound.add(name: "Upgrade", value: upgrade)
            self.upgrade = upgrade
        } else {
            self.upgrade = nil
        }
        headers = outbound
    }

    private enum Kind {
        case hopByHop, transferEncoding, upgrade, forwardedFor, forwardedProto, forwardedHost, spoofable, requestID, cookie, host, other
    }

    /// What a header name is, compared case-insensitively; the length narrows it first.
    private static func classify(_ name: String) -> Kind {
        switch name.utf8.count {
        case 2: return name.equalsIgnoringASCIICase("te") ? .hopByHop : .other
        case 4: return name.equalsIgnoringASCIICase("host") ? .host : .other
        case 6: return name.equalsIgnoringASCIICase("cookie") ? .cookie : .other
        case 7:
            if name.equalsIgnoringASCIICase("upgrade") { return .upgrade }
            return name.equalsIgnoringASCIICase("trailer") ? .hopByHop : .other
        case 9:
            return name.equalsIgnoringASCIICase("forwarded") || name.equalsIgnoringASCIICase("x-real-ip") ? .spoofable : .other
        case 10:
            return name.equalsIgnoringASCIICase("connection") || name.equalsIgnoringASCIICase("keep-alive") ? .hopByHop : .other
        case 12: return name.equalsIgnoringASCIICase("x-request-id") ? .requestID : .other
        case 14:
            return name.equalsIgnoringASCIICase("x-original-uri") || name.equalsIgnoringASCIICase("x-original-url") ? .spoofable : .other
        case 15:
            if name.equalsIgnoringASCIICase("x-forwarded-for") { return .forwardedFor }
            return name.equalsIgnoringASCIICase("x-forwarded-uri") ? .spoofable : .other
        case 16:
            if name.equalsIgnoringASCIICase("x-forwarded-host") { return .forwardedHost }
            return name.equalsIgnoringASCIICase("proxy-connection") ? .hopByHop : .other
        case 17:
            if name.equalsIgnoringASCIICase("transfer-encoding") { return .transferEncoding }
            return name.equalsIgnoringASCIICase("x-forwarded-proto") ? .forwardedProto : .other
        case 18: return name.equalsIgnoringASCIICase("x-forwarded-method") ? .spoofable : .other
        default: return .other
        }
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
