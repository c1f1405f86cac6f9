import Testing

@testable import GatehouseConfig

@Suite struct ConfigLoaderTests {
    static let minimal = """
        public_url: https://dash.example.com
        upstream: http://127.0.0.1:3000
        store: sqlite:/tmp/gatehouse-test.db
        """

    @Test func minimalConfigurationGetsTheDocumentedDefaults() throws {
        let config = try ConfigLoader.parse(yaml: Self.minimal).get()
        #expect(config.listen == HostAndPort(host: "0.0.0.0", port: 8080))
        #expect(config.adminListen == HostAndPort(host: "0.0.0.0", port: 9090))
        #expect(config.publicURL == PublicURL(isHTTPS: true, authority: "dash.example.com"))
        #expect(config.upstream == UpstreamURL(host: "127.0.0.1", port: 3000))
        #expect(config.store == .sqlite(path: "/tmp/gatehouse-test.db"))
        #expect(config.trustedProxies.isEmpty)
        #expect(config.ssoPrefix == "/sso")
        #expect(config.session.idleTimeout == .seconds(8 * 3600))
        #expect(
            config.identityHeaders.all == [
                "X-Forwarded-User", "X-Forwarded-Email", "X-Forwarded-Role", "X-Forwarded-Tenant", "X-Gatehouse-Jwt-Assertion",
            ])
    }

    @Test func theDesignExampleIsValid() throws {
        let yaml = """
            listen: 0.0.0.0:8080
            admin_listen: 0.0.0.0:9090
            public_url: https://dash.example.com
            upstream: http://127.0.0.1:3000
            store: sqlite:/var/lib/gatehouse/gatehouse.db
            trusted_proxies: []
            session:
              secret: "0123456789abcdef0123456789abcdef"
              idle_timeout: 8h
              absolute_timeout: 24h
            sp:
              key_file: /etc/gatehouse/sp.key
              cert_file: /etc/gatehouse/sp.crt
            public_paths: ["^/healthz$", "^/static/"]
            rules:
              - path_prefix: /settings/
                roles: [ADMINISTRATOR]
            tenants:
              - id: acme
                email_domains: [acme.com]
                idp_metadata_url: https://acme.okta.com/app/exk123/sso/saml/metadata
                allow_idp_initiated: true
                scim_token_sha256: ["\(String(repeating: "ab", count: 32))"]
                jit_default_role: null
            """
        let certificate = "-----BEGIN CERTIFICATE-----\nMII=\n-----END CERTIFICATE-----\n"
        let key = "-----BEGIN PRIVATE KEY-----\nMII=\n-----END PRIVATE KEY-----\n"
        let config = try ConfigLoader.parse(yaml: yaml, readFile: { $0.hasSuffix(".key") ? key : certificate }).get()
        #expect(config.tenants.map(\.id) == ["acme"])
        #expect(config.rules == [AccessRule(pathPrefix: "/settings/", methods: [], roles: ["ADMINISTRATOR"])])
        #expect(config.publicPaths == ["^/healthz$", "^/static/"])
    }

    @Test func everyProblemIsReportedAtOnceWithItsPath() throws {
        let yaml = """
            listen: nowhere
            public_url: ftp://x
            upstream: https://app:443
            store: mysql://db
            trusted_proxies: ["10.0.0.0/8", "not-a-network"]
            public_paths: ["^/ok/", "(unclosed"]
            sesion: {}
            session:
              idle_timeout: forever
            rules:
              - path_prefix: settings
                roles: [ROOT]
            tenants:
              - id: Acme_Corp
                email_domains: [acme.com]
                scim_token_sha256: [short]
              - id: other
                email_domains: [acme.com]
                idp_metadata_url: https://x/m
                idp_metadata_file: /m.xml
            """
        guard case .failure(let failure) = ConfigLoader.parse(yaml: yaml) else {
            Issue.record("an invalid configuration was accepted")
            return
        }
        let paths = Set(failure.problems.map(\.path))
        let expected: Set<String> = [
            "listen", "public_url", "upstream", "store", "trusted_proxies[1]", "public_paths[1]", "sesion", "session.idle_timeout",
            "rules[0].path_prefix", "rules[0].roles[0]", "tenants[0].id", "tenants[0].scim_token_sha256[0]",
            "tenants[1].email_domains[0]", "tenants[1].idp_metadata_url",
        ]
        #expect(paths == expected, "got \(failure.problems)")
        #expect(failure.description.contains("configuration has \(expected.count) problems"))
    }

    @Test func metadataOverPlainHTTPIsOnlyForLoopbackUnlessTheTenantSaysInsecure() throws {
        func problems(_ tenant: String) -> [String] {
            guard case .failure(let failure) = ConfigLoader.parse(yaml: Self.minimal + "\ntenants:\n" + tenant) else { return [] }
            return failure.problems.map(\.path)
        }
        let base = "  - id: acme\n    email_domains: [acme.com]\n"
        #expect(problems(base + "    idp_metadata_url: http://idp.example.com/metadata\n") == ["tenants[0].idp_metadata_url"])
        #expect(problems(base + "    idp_metadata_url: file:///etc/passwd\n") == ["tenants[0].idp_metadata_url"])
        #expect(problems(base + "    idp_metadata_url: http://127.0.0.1:8081/metadata\n").isEmpty)
        #expect(problems(base + "    idp_metadata_url: http://idp.example.com/m\n    insecure_allow_http_metadata: true\n").isEmpty)
        #expect(
            problems(base + "    idp_metadata_url: https://idp.example.com/m\n    idp_metadata_refresh: 10s\n") == ["tenants[0].idp_metadata_refresh"]
        )
    }

    @Test func samlAndTenantSecuritySettingsAreRead() throws {
        let yaml =
            Self.minimal + """

                saml:
                  clock_skew: 2m
                tenants:
                  - id: acme
                    email_domains: [acme.com]
                    idp_metadata_url: https://acme.okta.com/app/exk1/sso/saml/metadata
                    idp_entity_id: http://www.okta.com/exk1
                    idp_metadata_refresh: 15m
                    insecure_allow_sha1: true
                    email_attribute: mail
                    id_attribute: uid
                """
        let configuration = try ConfigLoader.parse(yaml: yaml).get()
        #expect(configuration.saml.clockSkew == .seconds(120))
        let tenant = try #require(configuration.tenants.first)
        #expect(tenant.idpEntityID == "http://www.okta.com/exk1")
        #expect(tenant.idpMetadataRefresh == .seconds(900))
        #expect(tenant.insecureAllowSHA1)
        #expect(!tenant.insecureAllowHTTPMetadata)
        #expect(tenant.emailAttribute == "mail")
        #expect(tenant.idAttribute == "uid")
        #expect(try ConfigLoader.parse(yaml: Self.minimal).get().tenants.isEmpty)
        #expect(try ConfigLoader.parse(yaml: Self.minimal).get().saml.clockSkew == .seconds(180))
    }

    @Test func missingRequiredKeysAreEachReported() {
        guard case .failure(let failure) = ConfigLoader.parse(yaml: "") else {
            Issue.record("an empty configuration was accepted")
            return
        }
        #expect(Set(failure.problems.map(\.path)) == ["public_url", "upstream", "store"])
    }

    @Test func environmentOverridesWinOverTheFile() throws {
        let environment = [
            "GATEHOUSE_UPSTREAM": "http://127.0.0.1:4000",
            "GATEHOUSE_SESSION__IDLE_TIMEOUT": "30m",
            "GATEHOUSE_PUBLIC_PATHS": "[\"^/a/\", \"^/b$\"]",
            "GATEHOUSE_SESSION_SECRET": String(repeating: "s", count: 40),
            "GATEHOUSE_CONFIG": "ignored",
            "PATH": "/usr/bin",
        ]
        let config = try ConfigLoader.load(file: "/config.yaml", environment: environment, readFile: { _ in Self.minimal }).get()
        #expect(config.upstream == UpstreamURL(host: "127.0.0.1", port: 4000))
        #expect(config.session.idleTimeout == .seconds(1800))
        #expect(config.publicPaths == ["^/a/", "^/b$"])
        #expect(config.session.secret == String(repeating: "s", count: 40))
    }

    @Test func anUnknownEnvironmentKeyIsAProblemNotIgnored() {
        let result = ConfigLoader.load(file: "/c.yaml", environment: ["GATEHOUSE_UPSTREEM": "x"], readFile: { _ in Self.minimal })
        guard case .failure(let failure) = result else {
            Issue.record("a misspelt override was accepted")
            return
        }
        #expect(failure.problems.map(\.path) == ["upstreem"])
    }

    @Test func secretsComeFromFiles() throws {
        let yaml = Self.minimal + "\nsession:\n  secret_file: /run/secrets/session\n"
        let secret = String(repeating: "k", count: 48)
        let config = try ConfigLoader.parse(
            yaml: yaml,
            readFile: { path in
                #expect(path == "/run/secrets/session")
                return secret + "\n"
            }
        ).get()
        #expect(config.session.secret == secret)
    }

    @Test func anUnreadableSecretFileIsReported() {
        let yaml = Self.minimal + "\nsession:\n  secret_file: /nope\n"
        struct Missing: Error {}
        guard case .failure(let failure) = ConfigLoader.parse(yaml: yaml, readFile: { _ in throw Missing() }) else {
            Issue.record("a missing secret file was accepted")
            return
        }
        #expect(failure.problems.map(\.path) == ["session.secret_file"])
    }

    @Test func spCertificatesMustBeReadablePEM() {
        let yaml = Self.minimal + "\nsp:\n  key_file: /k\n  cert_file: /c.crt\n  next_cert_file: /n.crt\n  next_key_file: /n.key\n"
        let result = ConfigLoader.parse(
            yaml: yaml,
            readFile: { path in
                switch path {
                case "/c.crt": return "-----BEGIN CERTIFICATE-----\nMII=\n"
                case "/k": return "-----BEGIN RSA PRIVATE KEY-----\nMII=\n"
                default: return "garbage"
                }
            })
        guard case .failure(let failure) = result else {
            Issue.record("a non-PEM next certificate was accepted")
            return
        }
        #expect(failure.problems.map(\.path) == ["sp.next_cert_file", "sp.next_key_file"])
    }

    @Test func aDomainBelongsToOneTenant() {
        let yaml =
            Self.minimal + """

                tenants:
                  - {id: a, email_domains: [x.com]}
                  - {id: b, email_domains: [X.com]}
                """
        guard case .failure(let failure) = ConfigLoader.parse(yaml: yaml) else {
            Issue.record("a domain in two tenants was accepted")
            return
        }
        #expect(failure.problems.map(\.path) == ["tenants[1].email_domains[0]"])
    }

    @Test(arguments: [
        ("500ms", Duration.milliseconds(500)), ("30s", .seconds(30)), ("15m", .seconds(900)), ("1h30m", .seconds(5400)), ("7d", .seconds(604_800)),
    ])
    func durationsParse(text: String, expected: Duration) {
        #expect(DurationParser.parse(text) == expected)
    }

    @Test(arguments: ["", "10", "5 minutes", "h", "-3s", "1.5h"])
    func badDurationsDoNotParse(text: String) {
        #expect(DurationParser.parse(text) == nil)
    }

    @Test func restartOnlyChangesAreNamed() throws {
        let first = try ConfigLoader.parse(yaml: Self.minimal).get()
        var second = first
        second.listen = HostAndPort(host: "0.0.0.0", port: 9999)
        second.publicPaths = ["^/x/"]
        #expect(first.restartOnlyDifferences(to: second) == ["listen"])
    }
}

@Suite struct CIDRTests {
    @Test func matchesIPv4AndIPv6Networks() throws {
        let v4 = try #require(CIDR("10.1.0.0/16"))
        #expect(v4.contains(address: "10.1.200.3"))
        #expect(!v4.contains(address: "10.2.0.1"))
        #expect(v4.contains(address: "::ffff:10.1.0.9"))
        let host = try #require(CIDR("127.0.0.1"))
        #expect(host.prefixLength == 32)
        #expect(!host.contains(address: "127.0.0.2"))
        let v6 = try #require(CIDR("fd00::/8"))
        #expect(v6.contains(address: "fd12::1"))
        #expect(!v6.contains(address: "10.1.0.1"))
        #expect(v6.description == "fd00::/8")
    }

    @Test(arguments: ["", "10.0.0.0/33", "::/129", "example.com", "10.0.0/8"])
    func rejectsNonsense(text: String) {
        #expect(CIDR(text) == nil)
    }
}
