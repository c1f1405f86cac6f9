import GatehouseSAML
import GatehouseXML
import Testing

@Suite struct ServiceProviderMetadataTests {
    @Test func theMetadataNamesTheTenantsURLsAndPublishesCurrentAndNextKeys() throws {
        let certificate = try XMLSignatureVerifierTests.fixture("sp.crt")
        let next = try XMLSignatureVerifierTests.fixture("idp-next.crt")
        let metadata = ServiceProviderMetadata(
            publicOrigin: "https://dash.example.com", ssoPrefix: "/sso", tenantID: "acme", certificatesPEM: [certificate, next]
        )
        #expect(metadata.entityID == "https://dash.example.com/sso/saml/acme/metadata")
        let root = try #require(try HardenedXMLDocument(parsing: Array(metadata.xml.utf8)).root)
        let md = "urn:oasis:names:tc:SAML:2.0:metadata"
        #expect(root.attribute("entityID") == metadata.entityID)
        let descriptor = try #require(root.children(named: "SPSSODescriptor", namespace: md).first)
        #expect(
            descriptor.children(named: "AssertionConsumerService", namespace: md).first?.attribute("Location")
                == "https://dash.example.com/sso/saml/acme/acs")
        #expect(
            descriptor.children(named: "AssertionConsumerService", namespace: md).first?.attribute("Binding")
                == "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST")
        let keys = descriptor.children(named: "KeyDescriptor", namespace: md)
        #expect(keys.map { $0.attribute("use") } == ["signing", "signing", "encryption", "encryption"])
        // Each published certificate is a readable key.
        let bodies = keys.flatMap { $0.descendants(named: "X509Certificate", namespace: "http://www.w3.org/2000/09/xmldsig#") }.map(\.text)
        let pems = bodies.map { "-----BEGIN CERTIFICATE-----\n\($0)\n-----END CERTIFICATE-----\n" }
        _ = try XMLSignatureKeys(certificatesPEM: pems)
    }
}
