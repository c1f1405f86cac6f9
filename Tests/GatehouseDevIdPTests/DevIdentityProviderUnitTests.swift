import Foundation
import GatehouseDevIdP
import GatehouseSAML
import GatehouseXML
import Testing

/// The dev IdP on its own: metadata Gatehouse can load, and responses its certificate verifies,
/// written with the SAML writer (values escaped).
@Suite struct DevIdentityProviderUnitTests {
    static func idp() throws -> DevIdentityProvider {
        try DevIdentityProvider(
            baseURL: "http://127.0.0.1:8081", gatehouseURL: "http://127.0.0.1:8080", tenant: "dev", suggestions: ["admin@dev.example"])
    }

    @Test func theMetadataNamesItsEndpointsAndCertificate() throws {
        let idp = try Self.idp()
        let metadata = try IdPMetadata.parse(Array(idp.metadataXML.utf8), entityID: nil)
        #expect(metadata.entityID == "http://127.0.0.1:8081/metadata")
        #expect(metadata.singleSignOnServices[IdPMetadata.redirectBinding] == "http://127.0.0.1:8081/sso")
        #expect(metadata.singleLogoutServices[IdPMetadata.redirectBinding] == "http://127.0.0.1:8081/slo")
        #expect(metadata.signingCertificatesPEM.count == 1)
    }

    @Test func aSignedResponseVerifiesWithTheCertificateAndEscapesTheEmail() throws {
        let idp = try Self.idp()
        let email = #"a&"<b>@dev.example"#
        let response = try idp.signedResponse(email: email, role: "ANALYST", inResponseTo: "_req\"1", now: Date())
        let document = try HardenedXMLDocument(parsing: response)
        let root = try #require(document.root)
        #expect(root.attribute("InResponseTo") == "_req\"1")
        let assertion = try #require(root.childElements.first { $0.localName == "Assertion" })
        let id = try #require(assertion.attribute("ID"))
        let keys = try XMLSignatureKeys(certificatesPEM: [idp.certificatePEM])
        #expect(try document.verifySignature(ofElementWithID: id, keys: keys).signedElementID == id)
        let nameID = assertion.descendants(named: "NameID", namespace: "urn:oasis:names:tc:SAML:2.0:assertion").first?.text
        #expect(nameID == email)
    }
}
