import GatehouseConfig
import NIOConcurrencyHelpers

/// Everything the hot path needs from the configuration, compiled once per (re)load.
public final class ProxyPolicy: Sendable {
    public let identityHeaders: IdentityHeaderMatcher
    public let publicPaths: [PathPattern]
    public let trustedProxies: [CIDR]
    let cookies: CookieFilter
    public let rules: AccessRules
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
        rules = AccessRules(runtime.rules)
        sessionCookie = Array((configuration.cookieNamePrefix + "session").utf8)
        identityNames = runtime.identityHeaders
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
}

/// The current policy, swapped atomically on reload; connections read it once per request.
public final class ProxyPolicyBox: Sendable {
    private let current: NIOLockedValueBox<ProxyPolicy>

    public init(_ policy: ProxyPolicy) { current = NIOLockedValueBox(policy) }

    public var policy: ProxyPolicy { current.withLockedValue { $0 } }

    public func replace(with policy: ProxyPolicy) { current.withLockedValue { $0 = policy } }
}
