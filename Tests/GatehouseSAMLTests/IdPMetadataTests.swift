import Foundation
import GatehouseSAML
import GatehouseXML
import Testing

@Suite struct IdPMetadataTests {
    static func parse(_ fixture: String, entityID: String? = nil) throws -> IdPMetadata {
        try IdPMetadata.parse(Array(XMLSignatureVerifierTests.fixture(fixture).utf8), entityID: entityID)
    }

    @Test func oktaShapedMetadataIsRead() throws {
        let metadata = try Self.parse("okta-metadata.xml")
        #expect(metadata.entityID == "http://www.okta.com/exk123")
        #expect(metadata.signingCertificatesPEM.count == 1)
        #expect(metadata.singleSignOnServices[IdPMetadata.redirectBinding] == "https://acme.okta.com/app/acme_dash/exk123/sso/saml")
        #expect(metadata.singleSignOnServices[IdPMetadata.postBinding] == "https://acme.okta.com/app/acme_dash/exk123/sso/saml")
        #expect(metadata.singleLogoutServices[IdPMetadata.redirectBinding] == "https://acme.okta.com/app/acme_dash/exk123/slo/saml")
        #expect(metadata.nameIDFormats.count == 2)
        #expect(!metadata.wantAuthnRequestsSigned)
        #expect(metadata.cacheDuration == .seconds(1_800))
        #expect(metadata.validUntil != nil)
    }

    @Test func theMetadataCertificateVerifiesTheIdPsResponses() async throws {
        let metadata = try Self.parse("okta-metadata.xml")
        let keys = try XMLSignatureKeys(certificatesPEM: metadata.signingCertificatesPEM)
        let document = try XMLSignatureVerifierTests.document("signed-assertion.xml")
        #expect(try document.verifySignature(ofElementWithID: "id-assertion-1", keys: keys).signedElementID == "id-assertion-1")
    }

    @Test func duringRolloverBothCertificatesVerifyAndAKeyWithoutUseCountsAsSigning() throws {
        let metadata = try Self.parse("rollover-metadata.xml")
        #expect(metadata.signingCertificatesPEM.count == 2)
        let keys = try XMLSignatureKeys(certificatesPEM: metadata.signingCertificatesPEM)
        let document = try XMLSignatureVerifierTests.document("signed-assertion.xml")
        #expect(try document.verifySignature(ofElementWithID: "id-assertion-1", keys: keys).signedElementID == "id-assertion-1")
    }

    @Test func anEncryptionOnlyKeyIsNoSigningKey() {
        #expect(throws: SAMLMetadataError(.noSigningCertificate)) { try Self.parse("encryption-only-metadata.xml") }
    }

    @Test func aURLThatIsNotHTTPIsRefused() {
        #expect(throws: SAMLMetadataError(.nonHTTPURL)) { try Self.parse("javascript-url-metadata.xml") }
    }

    @Test func anEntitiesDescriptorIsSearchedByEntityID() throws {
        let single = try XMLSignatureVerifierTests.fixture("okta-metadata.xml").replacingOccurrences(
            of: #"<?xml version="1.0" encoding="UTF-8"?>"#, with: "")
        let other = single.replacingOccurrences(of: "http://www.okta.com/exk123", with: "http://www.okta.com/exk999")
        let both = #"<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">"# + other + single + "</md:EntitiesDescriptor>"
        let picked = try IdPMetadata.parse(Array(both.utf8), entityID: "http://www.okta.com/exk123")
        #expect(picked.entityID == "http://www.okta.com/exk123")
        #expect(throws: SAMLMetadataError(.entityNotFound)) { try IdPMetadata.parse(Array(both.utf8)) }
    }

    @Test func aDoctypeInMetadataIsRefused() {
        let xml =
            #"<!DOCTYPE x [<!ENTITY e SYSTEM "http://127.0.0.1:1/">]><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">&e;</md:EntityDescriptor>"#
        #expect(throws: SAMLMetadataError(.malformed)) { try IdPMetadata.parse(Array(xml.utf8)) }
    }
}
