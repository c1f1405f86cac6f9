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
    let rules: AccessRules
    /// The session cookie's name (`gatehouse_session`, `__Host-gatehouse_session` on https), as UTF-8 for the byte scan.
    let sessionCookie: [UInt8]
    /// Names of the identity headers set on signed-in requests.
    let identityNames: IdentityHeaderNames

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
    }

    /// Whether a peer's `X-Forwarded-*` headers are believed.
    public func isTrustedProxy(_ address: String?) -> Bool {
        guard let address, !trustedProxies.isEmpty else { return false }
        return trustedProxies.contains { $0.contains(address: address) }
    }

    public func isPublic(_ path: Substring) -> Bool {
        publicPaths.contains { $0.matches(path) }
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
