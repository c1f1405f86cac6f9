import GatehouseConfig
import NIOConcurrencyHelpers

/// Everything the hot path needs from the configuration, compiled once per (re)load.
public final class ProxyPolicy: Sendable {
    public let identityHeaders: IdentityHeaderMatcher
    public let publicPaths: [PathPattern]
    public let trustedProxies: [CIDR]
    let cookies: CookieFilter
    /// `/sso` by default: requests under it go to the sign-in app.
    public let ssoPrefix: String
    public let scimPrefix = "/scim/"
    let ssoPrefixWithSlash: String
    public let rules: AccessRules
    /// The session cookie's name (`gatehouse_session`, `__Host-gatehouse_session` on https), as UTF-8 for the byte scan.
    let sessionCookie: [UInt8]
    /// Names of the identity headers set on signed-in requests.
    let identityNames: IdentityHeaderNames

    /// Body limits of Gatehouse's own routes (`proxy.max_*_body_bytes`).
    let scimBodyLimit: Int
    let samlBodyLimit: Int
    let formBodyLimit: Int
    let samlPrefix: String

    public init(configuration: GatehouseConfiguration, runtime: RuntimeSettings? = nil) throws {
        let runtime = runtime ?? configuration.runtime
        identityHeaders = IdentityHeaderMatcher(names: runtime.identityHeaders.all)
        publicPaths = try runtime.publicPaths.map(PathPattern.init)
        trustedProxies = runtime.trustedProxies
        cookies = CookieFilter(prefix: configuration.session.cookiePrefix)
        ssoPrefix = configuration.ssoPrefix
        ssoPrefixWithSlash = configuration.ssoPrefix + "/"
        rules = AccessRules(runtime.rules)
        sessionCookie = Array((configuration.cookieNamePrefix + "session").utf8)
        identityNames = runtime.identityHeaders
        scimBodyLimit = configuration.proxy.maxSCIMBodyBytes
        samlBodyLimit = configuration.proxy.maxSAMLBodyBytes
        formBodyLimit = configuration.proxy.maxFormBodyBytes
        samlPrefix = configuration.ssoPrefix + "/saml/"
    }

    /// The largest body an application path takes, and the shape of its 413.
    func bodyLimit(forApplicationPath path: Substring) -> (bytes: Int, tooLarge: LocalResponse) {
        if path.hasPrefix(scimPrefix) { return (scimBodyLimit, .scimPayloadTooLarge) }
        if path.hasPrefix(samlPrefix) { return (samlBodyLimit, .payloadTooLarge) }
        return (formBodyLimit, .payloadTooLarge)
    }

    /// Whether a peer's `X-Forwarded-*` headers are believed.
    public func isTrustedProxy(_ address: String?) -> Bool {
        guard let address, !trustedProxies.isEmpty else { return false }
        return trustedProxies.contains { $0.contains(address: address) }
    }

    /// Whether a path needs no session. A public path grants access, so it must match strictly:
    /// the spelling as sent and every other reading of it (an ambiguous spelling is not public).
    public func isPublic(_ path: RequestPath) -> Bool {
        publicPaths.contains { pattern in
            pattern.matches(path.raw) && path.readings.allSatisfy { pattern.matches(Substring($0)) }
        }
    }

    /// Whether the path belongs to Gatehouse's own sign-in or SCIM application.
    public func isApplicationPath(_ path: Substring) -> Bool {
        path.hasPrefix(ssoPrefixWithSlash) || path == ssoPrefix || path.hasPrefix(scimPrefix)
    }
}

/// The current policy, swapped atomically on reload; connections read it once per request.
public final class ProxyPolicyBox: Sendable {
    private let current: NIOLockedValueBox<ProxyPolicy>

    public init(_ policy: ProxyPolicy) { current = NIOLockedValueBox(policy) }

    public var policy: ProxyPolicy { current.withLockedValue { $0 } }

    public func replace(with policy: ProxyPolicy) { current.withLockedValue { $0 = policy } }
}
