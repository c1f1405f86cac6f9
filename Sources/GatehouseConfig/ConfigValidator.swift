import GatehouseBasics

/// Turns a configuration tree into a `GatehouseConfiguration`, checking every field.
struct ConfigValidator {
    let reader: ConfigReader

    func configuration(from top: ConfigSection) -> GatehouseConfiguration? {
        let listen = hostAndPort(top, "listen", default: HostAndPort(host: "0.0.0.0", port: 8080))
        let adminListen = hostAndPort(top, "admin_listen", default: HostAndPort(host: "0.0.0.0", port: 9090))
        let publicURL = publicURL(top)
        let upstream = upstream(top)
        let store = store(top)
        let ssoPrefix = ssoPrefix(top)
        let trustedProxies = top.stringList("trusted_proxies").enumerated().compactMap { index, text in
            let cidr = CIDR(text)
            if cidr == nil { reader.report("trusted_proxies[\(index)]", "\"\(text)\" is not an IP address or CIDR network") }
            return cidr
        }
        let publicPaths = publicPaths(top)
        let rules = top.sections("rules").compactMap(rule)
        let tenants = tenants(top)
        let identityHeaders = identityHeaders(top.section("identity_headers"))
        let session = session(top.section("session"))
        let sp = serviceProvider(top.section("sp"))
        let proxy = proxySettings(top.section("proxy"))
        let shutdownTimeout = top.duration("shutdown_timeout", default: .seconds(25))
        let log = logSettings(top.section("log"))
        let saml = samlSettings(top.section("saml"))
        let jwt = jwtSettings(top.section("jwt"))
        let storeSettings = storeSettings(top)
        top.finish()
        if listen == adminListen && listen.port != 0 { reader.report("admin_listen", "must differ from listen (\(listen))") }

        guard let publicURL, let upstream, let store else { return nil }
        var configuration = GatehouseConfiguration(
            listen: listen, adminListen: adminListen, publicURL: publicURL, upstream: upstream, store: store,
            ssoPrefix: ssoPrefix, trustedProxies: trustedProxies, publicPaths: publicPaths, rules: rules, tenants: tenants,
            identityHeaders: identityHeaders, session: session, sp: sp, proxy: proxy, shutdownTimeout: shutdownTimeout, log: log
        )
        configuration.saml = saml
        configuration.jwt = jwt
        configuration.storeSettings = storeSettings
        return configuration
    }

    private func hostAndPort(_ section: ConfigSection, _ key: String, default fallback: HostAndPort) -> HostAndPort {
        guard let text = section.string(key) else { return fallback }
        // Port 0 binds any free port (tests, ad-hoc runs).
        guard let parsed = URLParts.hostAndPort(text, allowPortZero: true) else {
            reader.report(section.child(key), "must be HOST:PORT such as 0.0.0.0:8080, not \"\(text)\"")
            return fallback
        }
        return HostAndPort(host: parsed.host, port: parsed.port)
    }

    private func publicURL(_ top: ConfigSection) -> PublicURL? {
        guard let text = top.requiredString("public_url") else { return nil }
        guard let parts = URLParts(text), parts.path.isEmpty || parts.path == "/", parts.query == nil else {
            reader.report("public_url", "must be an http(s) URL with no path or query, such as https://dash.example.com")
            return nil
        }
        let isDefaultPort = parts.port == nil || parts.port == (parts.isHTTPS ? 443 : 80)
        let authority = isDefaultPort ? parts.hostForURL : "\(parts.hostForURL):\(parts.port!)"
        return PublicURL(isHTTPS: parts.isHTTPS, authority: authority)
    }

    private func upstream(_ top: ConfigSection) -> UpstreamURL? {
        guard let text = top.requiredString("upstream") else { return nil }
        guard let parts = URLParts(text), !parts.isHTTPS, parts.path.isEmpty || parts.path == "/", parts.query == nil else {
            reader.report("upstream", "must be a plain http URL with no path, such as http://127.0.0.1:3000 (a sidecar upstream is local)")
            return nil
        }
        return UpstreamURL(host: parts.host, port: parts.port ?? 80)
    }

    private func store(_ top: ConfigSection) -> StoreLocation? {
        guard let text = top.requiredString("store") else { return nil }
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            if path.isEmpty { reader.report("store", "sqlite: needs a file path, such as sqlite:/var/lib/gatehouse/gatehouse.db") }
            return .sqlite(path: path)
        }
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            switch PostgresURL.parse(text) {
            case .success(let parsed):
                // verify-full against a root certificate the process cannot read would fail at the
                // first connection, long after check-config said yes.
                if let root = parsed.sslRootCertificate {
                    checkReadable("store", path: root, mustContain: "-----BEGIN CERTIFICATE-----", what: "a PEM certificate (sslrootcert)")
                }
                return .postgres(url: text, parsed: parsed)
            case .failure(let problem):
                reader.report("store", problem.message)
                return nil
            }
        }
        reader.report("store", "must start with sqlite: or postgres://")
        return nil
    }

    private func storeSettings(_ top: ConfigSection) -> StoreSettings {
        var settings = StoreSettings()
        settings.passwordFile = top.string("store_password_file")
        if let file = settings.passwordFile { checkReadable("store_password_file", path: file, mustContain: nil, what: "") }
        settings.password = top.string("store_password")
        settings.poolSize = top.int("store_pool_size", default: settings.poolSize, range: 1...512)
        settings.poolMinimum = top.int("store_pool_min", default: settings.poolMinimum, range: 0...512)
        settings.timeout = top.duration("store_timeout", default: settings.timeout)
        settings.housekeepingInterval = top.duration("housekeeping_interval", default: settings.housekeepingInterval)
        return settings
    }

    private func ssoPrefix(_ top: ConfigSection) -> String {
        let prefix = top.string("sso_prefix") ?? "/sso"
        let isValid =
            prefix.hasPrefix("/") && !prefix.hasSuffix("/") && prefix.count > 1
            && prefix.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_/.".contains($0)) }
        if !isValid { reader.report("sso_prefix", "must be a path such as /sso, without a trailing slash") }
        return isValid ? prefix : "/sso"
    }

    private func publicPaths(_ top: ConfigSection) -> [String] {
        let patterns = top.stringList("public_paths")
        for (index, pattern) in patterns.enumerated() where (try? Regex(pattern)) == nil {
            reader.report("public_paths[\(index)]", "\"\(pattern)\" is not a valid regular expression")
        }
        return patterns
    }

    private func rule(_ section: ConfigSection) -> AccessRule? {
        let prefix = section.requiredString("path_prefix")
        if let prefix, !prefix.hasPrefix("/") { reader.report(section.child("path_prefix"), "must start with /") }
        // Requests are compared in every reading (decoded, slashes merged, `;` dropped): a prefix
        // spelled with any of those would never match the way it reads.
        if let prefix,
            prefix.contains(where: { "%;?#\\".contains($0) }) || prefix.contains("//")
                || prefix.split(separator: "/").contains(where: { $0 == "." || $0 == ".." })
        {
            reader.report(section.child("path_prefix"), "must be a plain path (no %, ;, ?, #, \\, // or dot segments)")
        }
        let methods = section.stringList("methods").map { $0.uppercased() }
        let roles = roleList(section, "roles")
        if roles.isEmpty { reader.report(section.child("roles"), "needs at least one role") }
        section.finish()
        guard let prefix else { return nil }
        return AccessRule(pathPrefix: prefix, methods: methods, roles: roles)
    }

    private func roleList(_ section: ConfigSection, _ key: String) -> [String] {
        let roles = section.stringList(key)
        for (index, role) in roles.enumerated() where !DashboardRole.all.contains(role) {
            reader.report("\(section.child(key))[\(index)]", "\"\(role)\" is not one of \(DashboardRole.all.joined(separator: ", "))")
        }
        return roles
    }

    private func tenants(_ top: ConfigSection) -> [TenantConfiguration] {
        var ownerOfDomain: [String: String] = [:]
        var seenIDs: Set<String> = []
        return top.sections("tenants").compactMap { section in
            let tenant = self.tenant(section)
            guard let tenant else { return nil }
            if !seenIDs.insert(tenant.id).inserted { reader.report(section.child("id"), "tenant \"\(tenant.id)\" is declared twice") }
            for (index, domain) in tenant.emailDomains.enumerated() {
                if let owner = ownerOfDomain[domain], owner != tenant.id {
                    reader.report("\(section.child("email_domains"))[\(index)]", "\(domain) already belongs to tenant \"\(owner)\"")
                }
                ownerOfDomain[domain] = tenant.id
            }
            return tenant
        }
    }

    private func tenant(_ section: ConfigSection) -> TenantConfiguration? {
        let id = section.requiredString("id")
        if let id, !TenantIdentifier.isValid(id) {
            reader.report(section.child("id"), "\"\(id)\" must be 1 to 63 characters of a-z, 0-9 and -")
        }
        let domains = section.stringList("email_domains").map { $0.lowercased() }
        if domains.isEmpty { reader.report(section.child("email_domains"), "needs at least one domain") }
        for (index, domain) in domains.enumerated() where !domain.contains(".") || domain.contains("@") || domain.contains(" ") {
            reader.report("\(section.child("email_domains"))[\(index)]", "\"\(domain)\" is not a domain name")
        }
        let metadataURL = section.string("idp_metadata_url")
        let metadataFile = section.string("idp_metadata_file")
        if metadataURL != nil && metadataFile != nil {
            reader.report(section.child("idp_metadata_url"), "set either idp_metadata_url or idp_metadata_file, not both")
        }
        if let metadataFile, metadataURL == nil {
            // Read at start and on reload: a missing or wrong file is the operator's to fix now,
            // not a sign-in that fails later.
            checkReadable(
                section.child("idp_metadata_file"), path: metadataFile, mustContain: "EntityDescriptor", what: "SAML metadata (no EntityDescriptor)")
        }
        let insecureHTTP = section.bool("insecure_allow_http_metadata", default: false)
        if let metadataURL {
            if let parts = URLParts(metadataURL) {
                if !parts.isHTTPS && !insecureHTTP && !URLParts.isLoopback(parts.host) {
                    reader.report(
                        section.child("idp_metadata_url"), "plain http is only for loopback hosts; use https (or insecure_allow_http_metadata)"
                    )
                }
            } else {
                reader.report(section.child("idp_metadata_url"), "must be an http(s) URL")
            }
        }
        let allowIdPInitiated = section.bool("allow_idp_initiated", default: true)
        var hashes = section.stringList("scim_token_sha256").map { $0.lowercased() }
        for (index, hash) in hashes.enumerated() where !Self.isSHA256Hex(hash) {
            reader.report("\(section.child("scim_token_sha256"))[\(index)]", "must be 64 hex digits (the SHA-256 of a token)")
        }
        hashes += scimTokenHashesFile(section)
        let jitRole = section.string("jit_default_role")
        if let jitRole, !DashboardRole.all.contains(jitRole) {
            reader.report(section.child("jit_default_role"), "\"\(jitRole)\" is not one of \(DashboardRole.all.joined(separator: ", "))")
        }
        if jitRole != nil && !hashes.isEmpty {
            reader.report(section.child("jit_default_role"), "only for tenants without SCIM (this tenant has scim_token_sha256)")
        }
        var tenant = TenantConfiguration(
            id: id ?? "", emailDomains: domains, idpMetadataURL: metadataURL, idpMetadataFile: metadataFile,
            allowIdPInitiated: allowIdPInitiated, scimTokenSHA256: hashes, jitDefaultRole: jitRole
        )
        tenant.idpEntityID = section.string("idp_entity_id")
        tenant.idpMetadataRefresh = section.duration("idp_metadata_refresh", default: tenant.idpMetadataRefresh)
        if tenant.idpMetadataRefresh < .seconds(60) { reader.report(section.child("idp_metadata_refresh"), "must be at least 1m") }
        tenant.insecureAllowHTTPMetadata = insecureHTTP
        tenant.insecureAllowSHA1 = section.bool("insecure_allow_sha1", default: false)
        tenant.idAttribute = section.string("id_attribute") ?? tenant.idAttribute
        tenant.emailAttribute = section.string("email_attribute") ?? tenant.emailAttribute
        tenant.roleAttribute = section.string("role_attribute")
        tenant.scimAdoptExisting = section.bool("scim_adopt_existing", default: false)
        if tenant.roleAttribute != nil && !hashes.isEmpty {
            reader.report(section.child("role_attribute"), "only for tenants without SCIM (this tenant has scim_token_sha256: roles come from SCIM)")
        }
        for (key, value) in [("id_attribute", tenant.idAttribute), ("email_attribute", tenant.emailAttribute)] where value.isEmpty {
            reader.report(section.child(key), "must not be empty")
        }
        section.finish()
        return id == nil ? nil : tenant
    }

    private static func isSHA256Hex(_ text: String) -> Bool { text.count == 64 && text.allSatisfy(\.isHexDigit) }

    /// `scim_token_sha256_file`: one hash per line (a mounted Kubernetes Secret), blank lines and
    /// `#` comments ignored; added to the inline list.
    private func scimTokenHashesFile(_ section: ConfigSection) -> [String] {
        guard let file = section.string("scim_token_sha256_file") else { return [] }
        let text: String
        do {
            text = try reader.readFile(file)
        } catch {
            reader.report(section.child("scim_token_sha256_file"), "cannot read \(file): \(error)")
            return []
        }
        var hashes: [String] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let hash = String(line.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()).lowercased()
            if hash.isEmpty || hash.hasPrefix("#") { continue }
            guard Self.isSHA256Hex(hash) else {
                reader.report(section.child("scim_token_sha256_file"), "line \(number + 1) of \(file) is not 64 hex digits (the SHA-256 of a token)")
                continue
            }
            hashes.append(hash)
        }
        return hashes
    }

    private func identityHeaders(_ section: ConfigSection) -> IdentityHeaderNames {
        var names = IdentityHeaderNames()
        func name(_ key: String, _ fallback: String) -> String {
            guard let value = section.string(key) else { return fallback }
            guard HeaderName.isValid(value) else {
                reader.report(section.child(key), "\"\(value)\" is not a valid header name")
                return fallback
            }
            return value
        }
        names.user = name("user", names.user)
        names.email = name("email", names.email)
        names.role = name("role", names.role)
        names.tenant = name("tenant", names.tenant)
        names.jwt = name("jwt", names.jwt)
        names.extra = section.stringList("extra")
        for (index, value) in names.extra.enumerated() where !HeaderName.isValid(value) {
            reader.report("\(section.child("extra"))[\(index)]", "\"\(value)\" is not a valid header name")
        }
        section.finish()
        return names
    }

    private func session(_ section: ConfigSection) -> SessionSettings {
        var settings = SessionSettings()
        settings.secret = section.secret("secret")
        if let secret = settings.secret, secret.utf8.count < 32 {
            reader.report(section.child("secret"), "must be at least 32 bytes")
        }
        settings.idleTimeout = section.duration("idle_timeout", default: settings.idleTimeout)
        settings.absoluteTimeout = section.duration("absolute_timeout", default: settings.absoluteTimeout)
        if settings.idleTimeout > settings.absoluteTimeout {
            reader.report(section.child("idle_timeout"), "must not exceed absolute_timeout")
        }
        settings.cookiePrefix = section.string("cookie_prefix") ?? settings.cookiePrefix
        if settings.cookiePrefix.isEmpty { reader.report(section.child("cookie_prefix"), "must not be empty") }
        section.finish()
        return settings
    }

    private func serviceProvider(_ section: ConfigSection) -> ServiceProviderSettings {
        var settings = ServiceProviderSettings()
        settings.keyFile = section.string("key_file")
        settings.certFile = section.string("cert_file")
        settings.nextCertFile = section.string("next_cert_file")
        settings.nextKeyFile = section.string("next_key_file")
        let files = [
            ("cert_file", settings.certFile, "-----BEGIN CERTIFICATE-----", "a PEM certificate"),
            ("next_cert_file", settings.nextCertFile, "-----BEGIN CERTIFICATE-----", "a PEM certificate"),
            ("key_file", settings.keyFile, "PRIVATE KEY-----", "a PEM private key"),
            ("next_key_file", settings.nextKeyFile, "PRIVATE KEY-----", "a PEM private key"),
        ]
        for (key, path, marker, what) in files { checkPEM(section, key, path: path, marker: marker, what: what) }
        if (settings.keyFile == nil) != (settings.certFile == nil) {
            reader.report(section.path, "key_file and cert_file go together")
        }
        if settings.nextKeyFile != nil && settings.nextCertFile == nil {
            reader.report(section.child("next_key_file"), "needs next_cert_file (the certificate published for it)")
        }
        section.finish()
        return settings
    }

    private func proxySettings(_ section: ConfigSection) -> ProxySettings {
        var settings = ProxySettings()
        settings.connectTimeout = section.duration("connect_timeout", default: settings.connectTimeout)
        settings.readTimeout = section.duration("read_timeout", default: settings.readTimeout)
        settings.maxIdleConnectionsPerLoop = section.int("max_idle_connections", default: settings.maxIdleConnectionsPerLoop, range: 0...10_000)
        settings.threads = section.int("threads", default: settings.threads, range: 0...256)
        settings.maxAppBodyBytes = section.int("max_app_body_bytes", default: settings.maxAppBodyBytes, range: 1_024...(64 << 20))
        settings.maxSAMLBodyBytes = section.int("max_saml_body_bytes", default: settings.maxAppBodyBytes, range: 1_024...(64 << 20))
        settings.maxSCIMBodyBytes = section.int("max_scim_body_bytes", default: settings.maxAppBodyBytes, range: 1_024...(64 << 20))
        settings.maxFormBodyBytes = section.int("max_form_body_bytes", default: settings.maxFormBodyBytes, range: 256...(1 << 20))
        settings.headerReadTimeout = section.duration("header_read_timeout", default: settings.headerReadTimeout)
        settings.idleTimeout = section.duration("idle_timeout", default: settings.idleTimeout)
        settings.sendTimeout = section.duration("send_timeout", default: settings.sendTimeout)
        settings.maxConnections = section.int("max_connections", default: settings.maxConnections, range: 1...1_000_000)
        settings.maxHeaderBytes = section.int("max_header_bytes", default: settings.maxHeaderBytes, range: 1_024...(1 << 20))
        settings.maxHeaderCount = section.int("max_header_count", default: settings.maxHeaderCount, range: 8...10_000)
        settings.maxURIBytes = section.int("max_uri_bytes", default: settings.maxURIBytes, range: 256...(1 << 20))
        section.finish()
        return settings
    }

    /// A file named in the configuration must be readable (and hold `mustContain`, when given).
    private func checkReadable(_ path: String, path file: String, mustContain marker: String?, what: String) {
        do {
            let text = try reader.readFile(file)
            if let marker, !text.contains(marker) { reader.report(path, "\(file) is not \(what)") }
        } catch {
            reader.report(path, "cannot read \(file): \(error)")
        }
    }

    /// A key or certificate file named in the configuration must be readable PEM of its kind.
    private func checkPEM(_ section: ConfigSection, _ key: String, path: String?, marker: String, what: String) {
        guard let path else { return }
        do {
            if !(try reader.readFile(path).contains(marker)) { reader.report(section.child(key), "\(path) is not \(what)") }
        } catch {
            reader.report(section.child(key), "cannot read \(path): \(error)")
        }
    }

    private func jwtSettings(_ section: ConfigSection) -> JWTSettings {
        var settings = JWTSettings()
        settings.keyFile = section.string("key_file")
        settings.previousKeyFile = section.string("previous_key_file")
        settings.issuer = section.string("issuer")
        settings.audience = section.string("audience")
        for (key, path) in [("key_file", settings.keyFile), ("previous_key_file", settings.previousKeyFile)] {
            checkPEM(section, key, path: path, marker: "-----BEGIN", what: "a PEM key")
        }
        section.finish()
        return settings
    }

    private func samlSettings(_ section: ConfigSection) -> SAMLSettings {
        var settings = SAMLSettings()
        settings.clockSkew = section.duration("clock_skew", default: settings.clockSkew)
        if settings.clockSkew > .seconds(900) { reader.report(section.child("clock_skew"), "must be at most 15m") }
        settings.maxMetadataBytes = section.int("max_metadata_bytes", default: settings.maxMetadataBytes, range: 4_096...(16 << 20))
        settings.metadataFetchTimeout = section.duration("metadata_fetch_timeout", default: settings.metadataFetchTimeout)
        section.finish()
        return settings
    }

    private func logSettings(_ section: ConfigSection) -> LogSettings {
        var settings = LogSettings()
        settings.level = section.string("level")?.lowercased() ?? settings.level
        let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
        if !levels.contains(settings.level) {
            reader.report(section.child("level"), "must be one of \(levels.joined(separator: ", "))")
            settings.level = "info"
        }
        settings.accessLog = section.bool("access_log", default: settings.accessLog)
        section.finish()
        return settings
    }
}

/// Tenant ids appear in URLs: `[a-z0-9-]{1,63}`.
public enum TenantIdentifier {
    public static func isValid(_ id: String) -> Bool {
        (1...63).contains(id.utf8.count) && id.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d }
    }
}

/// RFC 9110 token characters.
enum HeaderName {
    static func isValid(_ name: String) -> Bool {
        !name.isEmpty
            && name.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
                    || "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
    }
}
