import Foundation
import GatehouseXML
import Testing

/// Responses signed by signxml (Fixtures/generate.py), verified by libxmlsec1 through Gatehouse.
@Suite struct XMLSignatureVerifierTests {
    static func fixture(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        return try String(contentsOf: url, encoding: .utf8)
    }

    static func document(_ name: String) throws -> HardenedXMLDocument {
        try HardenedXMLDocument(parsing: Array(fixture(name).utf8))
    }

    static func idpKeys() throws -> XMLSignatureKeys {
        try XMLSignatureKeys(certificatesPEM: [fixture("idp.crt")])
    }

    @Test func anOktaShapedSignedAssertionVerifies() throws {
        let verified = try Self.document("signed-assertion.xml").verifySignature(ofElementWithID: "id-assertion-1", keys: Self.idpKeys())
        #expect(verified.signedElementID == "id-assertion-1")
    }

    @Test func keyInfoIsNotNeededBecauseTheKeyComesFromMetadata() throws {
        let document = try Self.document("signed-assertion-no-keyinfo.xml")
        #expect(try document.verifySignature(ofElementWithID: "id-assertion-1", keys: Self.idpKeys()).signedElementID == "id-assertion-1")
    }

    @Test func rolloverVerifiesWithAnyOfSeveralCertificates() throws {
        let keys = try XMLSignatureKeys(certificatesPEM: [Self.fixture("idp-next.crt"), Self.fixture("idp.crt")])
        #expect(
            try Self.document("signed-assertion.xml").verifySignature(ofElementWithID: "id-assertion-1", keys: keys).signedElementID
                == "id-assertion-1")
    }

    @Test func anAttributeEditedAfterSigningIsADigestMismatch() throws {
        let document = try Self.document("tampered-attribute.xml")
        #expect(throws: XMLSecurityError(.digestMismatch)) {
            try document.verifySignature(ofElementWithID: "id-assertion-1", keys: Self.idpKeys())
        }
    }

    @Test func aSignatureByAnUntrustedKeyFailsEvenWithItsCertificateInKeyInfo() throws {
        let document = try Self.document("untrusted-key-certificate-in-keyinfo.xml")
        #expect(throws: XMLSecurityError(.signatureInvalid)) {
            try document.verifySignature(ofElementWithID: "id-assertion-1", keys: Self.idpKeys())
        }
    }

    @Test func theAttackersOwnCertificateWouldHaveVerifiedIt() throws {
        // Proves the fixture above is a real signature: only the key choice rejects it.
        let keys = try XMLSignatureKeys(certificatesPEM: [Self.fixture("attacker.crt")])
        let document = try Self.document("untrusted-key-certificate-in-keyinfo.xml")
        #expect(try document.verifySignature(ofElementWithID: "id-assertion-1", keys: keys).signedElementID == "id-assertion-1")
    }

    @Test func anUnsignedElementIsRefused() throws {
        let document = try Self.document("unsigned.xml")
        #expect(throws: XMLSecurityError(.signatureMissing)) {
            try document.verifySignature(ofElementWithID: "id-assertion-1", keys: Self.idpKeys())
        }
    }

    @Test func duplicateIDsAreRefused() throws {
        let document = try Self.document("duplicate-ids.xml")
        #expect(throws: XMLSecurityError(.duplicateID)) {
            try document.verifySignature(ofElementWithID: "id-assertion-1", keys: Self.idpKeys())
        }
    }

    @Test func aTransformOtherThanTheTwoAllowedIsRefused() throws {
        let document = try Self.document("forbidden-transform.xml")
        #expect(throws: XMLSecurityError(.forbiddenTransform)) {
            try document.verifySignature(ofElementWithID: "id-assertion-1", keys: Self.idpKeys())
        }
    }

    @Test func aSignatureOnAnotherElementDoesNotVouchForTheResponse() throws {
        let document = try Self.document("signed-assertion.xml")
        #expect(throws: XMLSecurityError(.signatureMissing)) {
            try document.verifySignature(ofElementWithID: "id-response-1", keys: Self.idpKeys())
        }
    }

    @Test func anUnreadableCertificateIsRefused() {
        #expect(throws: XMLSecurityError(.keyUnreadable)) { try XMLSignatureKeys(certificatesPEM: ["not a certificate"]) }
    }
}
