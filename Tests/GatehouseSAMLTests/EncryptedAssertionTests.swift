import Foundation
import GatehouseSAML
import GatehouseXML
import Testing

/// EncryptedAssertion as Okta sends it, encrypted by Python's `cryptography` (not libxmlsec1):
/// RSA-OAEP key transport inside EncryptedData/KeyInfo, AES-GCM or AES-CBC content.
@Suite struct EncryptedAssertionTests {
    static func spKeys(_ names: [String] = ["sp.key"]) throws -> XMLDecryptionKeys {
        try XMLDecryptionKeys(privateKeysPEM: names.map { try XMLSignatureVerifierTests.fixture($0) })
    }

    static func validate(_ fixture: String, decryptionKeys: XMLDecryptionKeys?) async throws -> ValidatedAssertion {
        let context = SAMLTenantContext(
            tenantID: "acme", idpEntityID: "http://www.okta.com/exk123", spEntityID: "https://dash.example.com/sso/saml/acme/metadata",
            acsURL: "https://dash.example.com/sso/saml/acme/acs", keys: try XMLSignatureVerifierTests.idpKeys(), decryptionKeys: decryptionKeys
        )
        let validator = SAMLResponseValidator(context: context, replayCache: InMemoryAssertionReplayCache())
        let bytes = Array(try XMLSignatureVerifierTests.fixture(fixture).utf8)
        return try await validator.validate(responseXML: bytes, pendingRequestIDs: ["id-request-1"], now: SAMLResponseValidatorTests.now)
    }

    @Test(arguments: ["encrypted-assertion.xml", "encrypted-assertion-cbc.xml", "encrypted-signed-response.xml"])
    func anEncryptedSignedAssertionDecryptsAndValidates(fixture: String) async throws {
        let validated = try await Self.validate(fixture, decryptionKeys: Self.spKeys())
        #expect(validated.nameID == "alice@acme.com")
        #expect(validated.idpUserID == "00u1abcd")
        #expect(validated.assertionID == "id-assertion-1")
    }

    @Test func theNextSPKeyDecryptsDuringRotation() async throws {
        let validated = try await Self.validate("encrypted-assertion.xml", decryptionKeys: Self.spKeys(["other-sp.key", "sp.key"]))
        #expect(validated.email == "alice@acme.com")
    }

    @Test func aWrongSPKeyFails() async throws {
        await #expect(throws: SAMLValidationError(.xml(.decryptionFailed))) {
            try await Self.validate("encrypted-assertion.xml", decryptionKeys: Self.spKeys(["other-sp.key"]))
        }
    }

    @Test func anAssertionEncryptedForSomeoneElseFails() async throws {
        await #expect(throws: SAMLValidationError(.xml(.decryptionFailed))) {
            try await Self.validate("encrypted-for-another-key.xml", decryptionKeys: Self.spKeys())
        }
    }

    @Test func withoutAnSPKeyAnEncryptedAssertionIsRefused() async throws {
        await #expect(throws: SAMLValidationError(.xml(.decryptionFailed))) {
            try await Self.validate("encrypted-assertion.xml", decryptionKeys: nil)
        }
    }

    @Test func aChangedCiphertextFailsTheGCMTag() async throws {
        await #expect(throws: SAMLValidationError(.xml(.decryptionFailed))) {
            try await Self.validate("encrypted-tampered.xml", decryptionKeys: Self.spKeys())
        }
    }

    @Test func encryptionIsNotASignature() async throws {
        await #expect(throws: SAMLValidationError(.unsigned)) {
            try await Self.validate("encrypted-unsigned.xml", decryptionKeys: Self.spKeys())
        }
    }

    @Test func rsa15KeyTransportIsRefused() async throws {
        await #expect(throws: SAMLValidationError(.xml(.forbiddenEncryptionAlgorithm))) {
            try await Self.validate("encrypted-rsa-1_5.xml", decryptionKeys: Self.spKeys())
        }
    }

    @Test func aSecondAssertionInsideTheCiphertextIsRefused() async throws {
        await #expect(throws: SAMLValidationError(.assertionCount)) {
            try await Self.validate("encrypted-two-assertions.xml", decryptionKeys: Self.spKeys())
        }
    }

    @Test func aCertificateIsNotAPrivateKey() throws {
        #expect(throws: XMLSecurityError(.keyUnreadable)) { try Self.spKeys(["sp.crt"]) }
    }
}
