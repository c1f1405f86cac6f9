import Foundation
import GatehouseSAML
import GatehouseXML
import Testing

/// An anonymous ACS POST must not buy more RSA private-key operations than the SP has keys: an
/// unsigned Response is decrypted before any signature can be seen, and every EncryptedKey tried
/// is one RSA decryption.
@Suite struct EncryptedKeyBudgetTests {
    /// `fixture` with `extra` more copies of its EncryptedKey (loose, beside the EncryptedData, ids
    /// dropped so they are not duplicates).
    static func manyKeys(_ extra: Int, in fixture: String = "encrypted-unsigned.xml") throws -> String {
        let xml = try XMLSignatureVerifierTests.fixture(fixture)
        let start = try #require(xml.range(of: "<xenc:EncryptedKey"))
        let end = try #require(xml.range(of: "</xenc:EncryptedKey>"))
        let key = String(xml[start.lowerBound..<end.upperBound]).replacingOccurrences(of: #" Id="_ek1""#, with: "")
            .replacingOccurrences(of: "<xenc:EncryptedKey", with: #"<xenc:EncryptedKey xmlns:xenc="http://www.w3.org/2001/04/xmlenc#""#)
        return xml.replacingOccurrences(of: "</xenc:EncryptedData>", with: "</xenc:EncryptedData>" + String(repeating: key, count: extra))
    }

    static func validate(_ xml: String, keys: XMLDecryptionKeys) async throws -> ValidatedAssertion {
        let context = SAMLTenantContext(
            tenantID: "acme", idpEntityID: "http://www.okta.com/exk123", spEntityID: "https://dash.example.com/sso/saml/acme/metadata",
            acsURL: "https://dash.example.com/sso/saml/acme/acs", keys: try XMLSignatureVerifierTests.idpKeys(), decryptionKeys: keys
        )
        let validator = SAMLResponseValidator(context: context, replayCache: InMemoryAssertionReplayCache())
        return try await validator.validate(responseXML: Array(xml.utf8), pendingRequestIDs: ["id-request-1"], now: SAMLResponseValidatorTests.now)
    }

    @Test func hundredsOfEncryptedKeysAreRefusedBeforeAnyRSAOperation() async throws {
        // 300 keys for another SP fit under the 256 KiB document limit; without the bound each of
        // the two SP keys tries each of them: 600 RSA decryptions for one anonymous POST.
        let keys = try EncryptedAssertionTests.spKeys(["other-sp.key", "sp.key"])
        await #expect(throws: SAMLValidationError(.xml(.tooManyEncryptedKeys))) {
            try await Self.validate(try Self.manyKeys(299, in: "encrypted-for-another-key.xml"), keys: keys)
        }
        #expect(keys.privateKeyOperations == 0)
    }

    @Test func moreEncryptedKeysThanSPKeysAreRefused() async throws {
        let keys = try EncryptedAssertionTests.spKeys()
        await #expect(throws: SAMLValidationError(.xml(.tooManyEncryptedKeys))) {
            try await Self.validate(try Self.manyKeys(1), keys: keys)
        }
        #expect(keys.privateKeyOperations == 0)
    }

    @Test func aKeyForAnotherSPCostsOneOperationPerSPKey() async throws {
        // Neither SP key opens it (encrypted for another SP): each key is tried once, no more.
        let xml = try XMLSignatureVerifierTests.fixture("encrypted-for-another-key.xml")
        let keys = try EncryptedAssertionTests.spKeys(["other-sp.key", "sp.key"])
        await #expect(throws: SAMLValidationError(.xml(.decryptionFailed))) {
            try await Self.validate(xml, keys: keys)
        }
        #expect(keys.privateKeyOperations == 2)
    }

    @Test func theOneEncryptedKeyOfARealResponseStillOpensWithTheSecondSPKey() async throws {
        // Rotation: the first SP key fails, the second opens it; two operations in all.
        let keys = try EncryptedAssertionTests.spKeys(["other-sp.key", "sp.key"])
        await #expect(throws: SAMLValidationError(.unsigned)) {
            try await Self.validate(try XMLSignatureVerifierTests.fixture("encrypted-unsigned.xml"), keys: keys)
        }
        #expect(keys.privateKeyOperations == 2)
    }
}
