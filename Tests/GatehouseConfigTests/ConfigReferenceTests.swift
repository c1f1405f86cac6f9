import Foundation
import Testing

@testable import GatehouseConfig

/// `docs/configuration.md` is generated from `ConfigReference`; these keep the two and the
/// validator in step: a key read but not documented, a key documented but never read, an
/// environment variable the loader does not map to its key, or a stale file all fail.
@Suite struct ConfigReferenceTests {
    /// Every section present with a tenant and a rule, so that every key the validator knows is asked for.
    static let everything = """
        listen: 0.0.0.0:8080
        admin_listen: 0.0.0.0:9090
        public_url: https://dash.example.com
        upstream: http://127.0.0.1:3000
        store: postgres://gatehouse@db.example.com:5432/gatehouse?sslmode=verify-full
        store_password_file: /etc/gatehouse/secrets/store-password
        trusted_proxies: [10.0.0.0/8]
        public_paths: ["^/static/"]
        rules:
          - path_prefix: /settings/
            methods: [POST]
            roles: [ADMINISTRATOR]
        tenants:
          - id: acme
            email_domains: [acme.com]
            idp_metadata_url: https://acme.okta.com/app/exk123/sso/saml/metadata
            scim_token_sha256: ["\(String(repeating: "ab", count: 32))"]
            scim_token_sha256_file: /etc/gatehouse/secrets/acme-scim
        session:
          secret_file: /etc/gatehouse/secrets/session
        sp:
          key_file: /etc/gatehouse/sp.key
          cert_file: /etc/gatehouse/sp.crt
          next_key_file: /etc/gatehouse/next.key
          next_cert_file: /etc/gatehouse/next.crt
        jwt:
          key_file: /etc/gatehouse/jwt.key
          previous_key_file: /etc/gatehouse/jwt-previous.key
        """

    static func file(_ path: String) -> String {
        if path.hasSuffix(".crt") { return "-----BEGIN CERTIFICATE-----\nMII=\n-----END CERTIFICATE-----\n" }
        if path.hasSuffix(".key") { return "-----BEGIN PRIVATE KEY-----\nMII=\n-----END PRIVATE KEY-----\n" }
        if path.hasSuffix("scim") { return String(repeating: "cd", count: 32) + "\n" }
        return String(repeating: "s", count: 40)
    }

    @Test func everyKeyTheValidatorReadsIsDocumentedAndNoOther() throws {
        let asked = try ConfigLoader.keysRead(yaml: Self.everything, readFile: Self.file)
        // `session`, `tenants`…: sections, whose keys are what the reference lists.
        let read = asked.filter { key in !asked.contains { $0.hasPrefix(key + ".") || $0.hasPrefix(key + "[].") } }
        let documented = Set(ConfigReference.allKeys)
        #expect(read.subtracting(documented).sorted() == [], "read by the validator, missing from ConfigReference")
        #expect(documented.subtracting(read).sorted() == [], "in ConfigReference, never read by the validator")
        #expect(ConfigReference.allKeys.count == documented.count, "a key is documented twice")
    }

    @Test func everyEnvironmentVariableReachesItsKey() {
        for key in ConfigReference.allKeys {
            guard let variable = ConfigReference.environmentVariable(for: key) else { continue }
            let result = ConfigLoader.load(
                file: "/c.yaml", environment: [variable: "x"], readFile: { $0 == "/c.yaml" ? ConfigLoaderTests.minimal : "x" })
            guard case .failure(let failure) = result else { continue }
            #expect(!failure.problems.contains { $0.message == "unknown key" }, "\(variable): \(failure.problems)")
        }
        #expect(ConfigReference.environmentVariable(for: "session.idle_timeout") == "GATEHOUSE_SESSION__IDLE_TIMEOUT")
        #expect(ConfigReference.environmentVariable(for: "session.secret") == "GATEHOUSE_SESSION_SECRET")
        #expect(ConfigReference.environmentVariable(for: "tenants[].id") == nil)
    }

    @Test func docsConfigurationIsTheGeneratedReference() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = root.appendingPathComponent("docs/configuration.md")
        let committed = try String(contentsOf: file, encoding: .utf8)
        #expect(
            committed == ConfigReference.markdown(),
            "docs/configuration.md is stale: run `gatehouse config-reference > docs/configuration.md`")
    }
}
