import Foundation
import GatehouseSAML
import GatehouseXML
import Testing

/// NameID and identity attributes with control characters, each in a response signed by the
/// IdP (generate_identity_controls.py): the signature verifies, the value is refused with its own
/// code, so a line break never reaches an upstream header, the JWT or the store.
@Suite struct IdentityControlCharacterTests {
    static func validate(_ fixture: String) async throws -> ValidatedAssertion {
        let context = SAMLTenantContext(
            tenantID: "acme", idpEntityID: "http://www.okta.com/exk123", spEntityID: "https://dash.example.com/sso/saml/acme/metadata",
            acsURL: "https://dash.example.com/sso/saml/acme/acs", keys: try XMLSignatureVerifierTests.idpKeys(), roleAttribute: "role"
        )
        let validator = SAMLResponseValidator(context: context, replayCache: InMemoryAssertionReplayCache())
        let bytes = Array(try XMLSignatureVerifierTests.fixture(fixture).utf8)
        return try await validator.validate(responseXML: bytes, pendingRequestIDs: ["id-request-1"], now: SAMLResponseValidatorTests.now)
    }

    @Test(arguments: [
        ("nameid-crlf.xml", "NameID"), ("email-lf.xml", "email"), ("id-del.xml", "id"), ("id-tab.xml", "id"), ("role-c1.xml", "role"),
    ])
    func aControlCharacterInAnIdentityValueIsRefused(fixture: String, field: String) async throws {
        do {
            _ = try await Self.validate(fixture)
            Issue.record("\(fixture) was accepted")
        } catch let error as SAMLValidationError {
            #expect(error.code == .controlCharacter)
            #expect(error.code.description == "saml.identity_control_character")
            #expect(error.context.hasPrefix(field + " holds U+"), "\(error.context)")
        } catch {
            Issue.record("\(fixture): \(error)")
        }
    }

    @Test func theSignatureOfEachFixtureIsGoodSoOnlyTheValueIsWrong() throws {
        for fixture in ["nameid-crlf.xml", "email-lf.xml", "id-del.xml", "id-tab.xml", "role-c1.xml"] {
            let document = try HardenedXMLDocument(parsing: Array(try XMLSignatureVerifierTests.fixture(fixture).utf8))
            try document.prepareIDs()
            _ = try document.verifySignature(ofElementWithID: "id-assertion-1", keys: try XMLSignatureVerifierTests.idpKeys())
        }
    }

    @Test func aNULCannotEvenBeWrittenInXML() async throws {
        // XML 1.0 has no NUL, not even as `&#0;`: the parser refuses the document first.
        await #expect(throws: SAMLValidationError(.xml(.malformed))) { try await Self.validate("id-nul.xml") }
    }

    @Test func theCleanResponseStillValidates() async throws {
        let validated = try await Self.validate("signed-assertion.xml")
        #expect(validated.idpUserID == "00u1abcd")
        #expect(validated.role == "ANALYST")
    }
}
