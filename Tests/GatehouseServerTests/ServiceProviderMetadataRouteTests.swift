import Testing

@Suite struct ServiceProviderMetadataRouteTests {
    @Test func eachConfiguredTenantHasMetadataAtItsAudienceURI() async throws {
        let yaml = "tenants:\n  - id: acme\n    email_domains: [acme.com]\n"
        try await TestGatehouse.with(extraYAML: yaml) { gatehouse in
            let metadata = try await RawHTTP.get(port: gatehouse.ports.proxy, "/sso/saml/acme/metadata")
            #expect(metadata.status == 200)
            #expect(metadata.header("Content-Type") == "application/samlmetadata+xml")
            #expect(metadata.body.contains(#"entityID="http://127.0.0.1:8080/sso/saml/acme/metadata""#))
            #expect(metadata.body.contains(#"Location="http://127.0.0.1:8080/sso/saml/acme/acs""#))
            let unknown = try await RawHTTP.get(port: gatehouse.ports.proxy, "/sso/saml/other/metadata")
            #expect(unknown.status == 404)
        }
    }
}
