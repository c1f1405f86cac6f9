/// The whole, validated configuration of one Gatehouse process.
///
/// Built only by `ConfigLoader`, which reports every problem at once; a value of this type is
/// always valid.
public struct GatehouseConfiguration: Sendable, Equatable {
    /// Proxy, sign-in and SCIM listener.
    public var listen: HostAndPort
    /// `/healthz`, `/readyz`, `/metrics` listener.
    public var adminListen: HostAndPort
    /// The URL people use to reach the dashboard; drives cookie `Secure` and absolute URLs.
    public var publicURL: PublicURL
    public var upstream: UpstreamURL
    public var store: StoreLocation
    public var ssoPrefix: String
    public var trustedProxies: [CIDR]
    public var publicPaths: [String]
    public var rules: [AccessRule]
    public var tenants: [TenantConfiguration]
    public var identityHeaders: IdentityHeaderNames
    public var session: SessionSettings
    public var sp: ServiceProviderSettings
    public var proxy: ProxySettings
    public var shutdownTimeout: Duration
    public var log: LogSettings
    public var saml: SAMLSettings = SAMLSettings()
    public var jwt: JWTSettings = JWTSettings()
    public var storeSettings: StoreSettings = StoreSettings()

    /// Settings that a reload may change while connections stay open.
    public var runtime: RuntimeSettings {
        RuntimeSettings(
            trustedProxies: trustedProxies, publicPaths: publicPaths, rules: rules, tenants: tenants,
            identityHeaders: identityHeaders
        )
    }

    /// Names of the settings that differ between two configurations but need a restart to apply.
    public func restartOnlyDifferences(to other: GatehouseConfiguration) -> [String] {
        var names: [String] = []
        if listen != other.listen { names.append("listen") }
        if adminListen != other.adminListen { names.append("admin_listen") }
        if publicURL != other.publicURL { names.append("public_url") }
        if upstream != other.upstream { names.append("upstream") }
        if store != other.store || storeSettings != other.storeSettings { names.append("store") }
        if ssoPrefix != other.ssoPrefix { names.append("sso_prefix") }
        if session != other.session { names.append("session") }
        if sp != other.sp { names.append("sp") }
        if proxy != other.proxy { names.append("proxy") }
        if shutdownTimeout != other.shutdownTimeout { names.append("shutdown_timeout") }
        if log != other.log { names.append("log") }
        if saml != other.saml { names.append("saml") }
        if jwt != other.jwt { names.append("jwt") }
        return names
    }
}

/// What a configuration reload may change at run time.
public struct RuntimeSettings: Sendable, Equatable {
    public var trustedProxies: [CIDR]
    public var publicPaths: [String]
    public var rules: [AccessRule]
    public var tenants: [TenantConfiguration]
    public var identityHeaders: IdentityHeaderNames

    public init(
        trustedProxies: [CIDR], publicPaths: [String], rules: [AccessRule], tenants: [TenantConfiguration],
        identityHeaders: IdentityHeaderNames
    ) {
        self.trustedProxies = trustedProxies
        self.publicPaths = publicPaths
        self.rules = rules
        self.tenants = tenants
        self.identityHeaders = identityHeaders
    }
}

/// A `host:port` pair to listen on.
public struct HostAndPort: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// `public_url`: scheme, host and optional port, no path.
public struct PublicURL: Sendable, Equatable, CustomStringConvertible {
    public var isHTTPS: Bool
    /// Host with the port when it is not the scheme's default, e.g. `dash.example.com:8443`.
    public var authority: String

    public init(isHTTPS: Bool, authority: String) {
        self.isHTTPS = isHTTPS
        self.authority = authority
    }

    public var origin: String { "\(isHTTPS ? "https" : "http")://\(authority)" }
    public var description: String { origin }
}

/// The upstream app: plain HTTP/1.1 on a host and port.
public struct UpstreamURL: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { "http://\(HostAndPort(host: host, port: port))" }
}

/// Where state is kept.
public enum StoreLocation: Sendable, Equatable {
    case sqlite(path: String)
    /// The URL as written, and its checked parts.
    case postgres(url: String, parsed: PostgresURL)
}

/// A path rule: requests under `pathPrefix` (and, if given, with one of `methods`) need one of `roles`.
public struct AccessRule: Sendable, Equatable {
    public var pathPrefix: String
    public var methods: [String]
    public var roles: [String]

    public init(pathPrefix: String, methods: [String], roles: [String]) {
        self.pathPrefix = pathPrefix
        self.methods = methods
        self.roles = roles
    }
}

/// One customer workspace.
public struct TenantConfiguration: Sendable, Equatable {
    public var id: String
    public var emailDomains: [String]
    public var idpMetadataURL: String?
    public var idpMetadataFile: String?
    public var allowIdPInitiated: Bool
    public var scimTokenSHA256: [String]
    public var jitDefaultRole: String?
    /// Which entity to use from metadata that is an EntitiesDescriptor (and a check on an EntityDescriptor).
    public var idpEntityID: String? = nil
    /// How often the metadata is fetched again at most; cacheDuration and validUntil can make it sooner.
    public var idpMetadataRefresh: Duration = .seconds(3_600)
    /// Fetch metadata over plain http from a host other than loopback (off; logged at start).
    public var insecureAllowHTTPMetadata: Bool = false
    /// Accept SHA-1 signatures and digests from this tenant's IdP (off; logged at start).
    public var insecureAllowSHA1: Bool = false
    /// SAML attribute names: the IdP's user id and the email address.
    public var idAttribute: String = "id"
    public var emailAttribute: String = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
    /// For tenants without SCIM: the SAML attribute carrying the dashboard role, applied to the user
    /// at every sign-in (the user is created at the first). Nil: roles come from the store only.
    public var roleAttribute: String?
    /// A SCIM create whose userName matches a user made by sign-in, the CLI or an import adopts
    /// that user (same id, sessions kept) instead of answering 409. Off: 409 `uniqueness`.
    public var scimAdoptExisting: Bool = false

    public init(
        id: String, emailDomains: [String], idpMetadataURL: String?, idpMetadataFile: String?, allowIdPInitiated: Bool,
        scimTokenSHA256: [String], jitDefaultRole: String?
    ) {
        self.id = id
        self.emailDomains = emailDomains
        self.idpMetadataURL = idpMetadataURL
        self.idpMetadataFile = idpMetadataFile
        self.allowIdPInitiated = allowIdPInitiated
        self.scimTokenSHA256 = scimTokenSHA256
        self.jitDefaultRole = jitDefaultRole
    }
}

/// Names of the identity headers sent upstream; every one is stripped from inbound requests.
public struct IdentityHeaderNames: Sendable, Equatable {
    public var user: String = "X-Forwarded-User"
    public var email: String = "X-Forwarded-Email"
    public var role: String = "X-Forwarded-Role"
    public var tenant: String = "X-Forwarded-Tenant"
    public var jwt: String = "X-Gatehouse-Jwt-Assertion"
    /// More names an upstream trusts (e.g. `X-Auth-Request-User`); stripped, never set.
    public var extra: [String] = []

    public init() {}

    /// Every name to strip from inbound requests.
    public var all: [String] { [user, email, role, tenant, jwt] + extra }
}

public struct SessionSettings: Sendable, Equatable {
    public var secret: String?
    public var idleTimeout: Duration = .seconds(8 * 3_600)
    public var absoluteTimeout: Duration = .seconds(24 * 3_600)
    /// Every cookie whose name starts with this is Gatehouse's and never forwarded upstream.
    public var cookiePrefix: String = "gatehouse_"

    public init() {}
}

public struct ServiceProviderSettings: Sendable, Equatable {
    public var keyFile: String?
    public var certFile: String?
    /// The next certificate, published in SP metadata before the key is switched (rotation).
    public var nextCertFile: String?
    /// The next certificate's key: decrypts assertions an IdP already encrypts for the next certificate.
    public var nextKeyFile: String?

    public init() {}
}

/// The identity JWT sent upstream (`X-Gatehouse-Jwt-Assertion`).
public struct JWTSettings: Sendable, Equatable {
    /// P-256 private key (PEM) that signs; without it one is generated once and kept in the store.
    public var keyFile: String?
    /// The key signing before a rotation, still published at `/sso/jwks.json`.
    public var previousKeyFile: String?
    /// `iss` and `aud`; both default to `public_url`.
    public var issuer: String?
    public var audience: String?

    public init() {}
}

/// Settings shared by every tenant's SAML validation.
public struct SAMLSettings: Sendable, Equatable {
    /// Allowed difference between the IdP's clock and ours for every time check.
    public var clockSkew: Duration = .seconds(180)
    /// Largest metadata document fetched or read.
    public var maxMetadataBytes: Int = 1 << 20
    /// Time limit for one metadata fetch.
    public var metadataFetchTimeout: Duration = .seconds(10)

    public init() {}
}

public struct ProxySettings: Sendable, Equatable {
    public var connectTimeout: Duration = .seconds(5)
    /// Longest time with nothing read from or written to the upstream during a request.
    public var readTimeout: Duration = .seconds(60)
    /// Idle keep-alive upstream connections kept per event loop.
    public var maxIdleConnectionsPerLoop: Int = 64
    /// Largest request body buffered for sign-in and SCIM routes; proxied bodies are streamed.
    public var maxAppBodyBytes: Int = 1 << 20
    /// Per route, each refused with a 413 in that route's shape before the body is read on:
    /// SAML messages posted to the ACS and SLO (default `maxAppBodyBytes`),
    public var maxSAMLBodyBytes: Int = 1 << 20
    /// SCIM requests (default `maxAppBodyBytes`),
    public var maxSCIMBodyBytes: Int = 1 << 20
    /// and the other sign-in forms (email, logout): a few hundred bytes in real use.
    public var maxFormBodyBytes: Int = 64 << 10
    /// Event-loop threads; 0 means one per core. A sidecar sharing its pod's CPU may want fewer.
    public var threads: Int = 0
    /// Longest time a front connection may take to send a whole request head (slowloris): from
    /// accept, or from its first byte after an idle keep-alive pause.
    public var headerReadTimeout: Duration = .seconds(10)
    /// Longest time a keep-alive front connection may wait with no request in flight.
    public var idleTimeout: Duration = .seconds(75)
    /// Longest time a client may take none of the response bytes waiting for it (it stopped
    /// reading) before its connection is closed; nginx's `send_timeout`.
    public var sendTimeout: Duration = .seconds(60)
    /// Front connections open at once; more are answered 503 and closed.
    public var maxConnections: Int = 10_000
    /// Largest request head (header names and values) accepted; more is a 431.
    public var maxHeaderBytes: Int = 32 << 10
    /// Most header fields in one request head; more is a 431.
    public var maxHeaderCount: Int = 100
    /// Longest request target (path and query); more is a 414.
    public var maxURIBytes: Int = 8 << 10

    public init() {}
}

public struct LogSettings: Sendable, Equatable {
    public var level: String = "info"
    public var accessLog: Bool = true

    public init() {}
}
