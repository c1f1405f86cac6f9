import Testing

@testable import GatehouseConfig

/// Files the configuration names are read by `check-config` (and at start and reload), so a
/// wrong mount is reported with its key before anyone signs in: the tenant's IdP metadata file,
/// the PostgreSQL password file and the root certificate of `sslmode=verify-full`.
@Suite struct NamedFileTests {
    struct Missing: Error, CustomStringConvertible {
        var description: String { "No such file or directory" }
    }

    static func yaml(
        store: String = "sqlite:/tmp/g.db", extra: String = "", tenant: String = "    idp_metadata_url: https://acme.okta.com/app/x/sso/saml/metadata"
    ) -> String {
        """
        public_url: https://dash.example.com
        upstream: http://127.0.0.1:3000
        store: \(store)
        session:
          secret: "0123456789abcdef0123456789abcdef-test"
        \(extra)
        tenants:
          - id: acme
            email_domains: [acme.com]
        \(tenant)
        """
    }

    static func problems(_ yaml: String, files: [String: String]) -> [String] {
        switch ConfigLoader.parse(
            yaml: yaml,
            readFile: { path in
                guard let text = files[path] else { throw Missing() }
                return text
            })
        {
        case .success: return []
        case .failure(let failure): return failure.problems.map { "\($0.path): \($0.message)" }
        }
    }

    static let metadata = #"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>"#

    @Test func theIdPMetadataFileMustBeReadableMetadata() {
        let yaml = Self.yaml(tenant: "    idp_metadata_file: /etc/gatehouse/acme-metadata.xml")
        #expect(Self.problems(yaml, files: ["/etc/gatehouse/acme-metadata.xml": Self.metadata]) == [])
        let missing = Self.problems(yaml, files: [:])
        #expect(missing == ["tenants[0].idp_metadata_file: cannot read /etc/gatehouse/acme-metadata.xml: No such file or directory"])
        let wrong = Self.problems(yaml, files: ["/etc/gatehouse/acme-metadata.xml": "<html>login</html>"])
        #expect(wrong.count == 1 && wrong[0].hasPrefix("tenants[0].idp_metadata_file: /etc/gatehouse/acme-metadata.xml is not SAML metadata"))
    }

    @Test func theStorePasswordFileMustBeReadable() {
        let yaml = Self.yaml(store: "postgres://gh@db.example.com/gh", extra: "store_password_file: /run/secrets/db")
        #expect(Self.problems(yaml, files: ["/run/secrets/db": "pw\n"]) == [])
        #expect(Self.problems(yaml, files: [:]) == ["store_password_file: cannot read /run/secrets/db: No such file or directory"])
    }

    @Test func theRootCertificateOfVerifyFullMustBeReadablePEM() {
        let yaml = Self.yaml(store: "postgres://gh@db.example.com/gh?sslmode=verify-full&sslrootcert=/etc/ssl/db-ca.pem")
        let pem = "-----BEGIN CERTIFICATE-----\nMII=\n-----END CERTIFICATE-----\n"
        #expect(Self.problems(yaml, files: ["/etc/ssl/db-ca.pem": pem]) == [])
        #expect(Self.problems(yaml, files: [:]) == ["store: cannot read /etc/ssl/db-ca.pem: No such file or directory"])
        #expect(Self.problems(yaml, files: ["/etc/ssl/db-ca.pem": "hello"]) == ["store: /etc/ssl/db-ca.pem is not a PEM certificate (sslrootcert)"])
    }
}
