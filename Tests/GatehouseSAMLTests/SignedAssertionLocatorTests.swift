import Foundation
import GatehouseSAML
import GatehouseXML
import Testing

/// Signature wrapping and friends: each fixture is refused for its own reason.
@Suite struct SignedAssertionLocatorTests {
    static func locate(_ fixture: String) throws -> SignedAssertion {
        let document = try XMLSignatureVerifierTests.document(fixture)
        return try SignedAssertionLocator.locate(in: document, keys: XMLSignatureVerifierTests.idpKeys())
    }

    @Test func aSignedAssertionIsLocated() throws {
        let located = try Self.locate("signed-assertion.xml")
        #expect(located.assertion.attribute("ID") == "id-assertion-1")
        #expect(located.assertionSigned && !located.responseSigned)
        let attributes = located.assertion.descendants(named: "Attribute", namespace: "urn:oasis:names:tc:SAML:2.0:assertion")
        let role = attributes.first { $0.attribute("Name") == "role" }?.childElements.first?.text
        #expect(role == "ANALYST")
    }

    @Test func aSignedResponseVouchesForItsAssertion() throws {
        let located = try Self.locate("signed-response.xml")
        #expect(located.responseSigned && !located.assertionSigned)
        #expect(located.assertion.attribute("ID") == "id-assertion-1")
    }

    @Test func bothSignedVerifiesBoth() throws {
        let located = try Self.locate("signed-both.xml")
        #expect(located.responseSigned && located.assertionSigned)
    }

    @Test(arguments: [
        ("xsw1.xml", SAMLValidationError.Code.xml(.duplicateID)),
        ("xsw2.xml", .xml(.duplicateID)),
        ("xsw3.xml", .assertionCount),
        ("xsw4.xml", .assertionCount),
        ("xsw5.xml", .assertionCount),
        ("xsw6.xml", .assertionCount),
        ("xsw7.xml", .assertionCount),
        ("xsw8.xml", .assertionCount),
        ("unsigned.xml", .unsigned),
        ("tampered-attribute.xml", .xml(.digestMismatch)),
        ("untrusted-key-certificate-in-keyinfo.xml", .xml(.signatureInvalid)),
        ("duplicate-ids.xml", .xml(.duplicateID)),
        ("forbidden-transform.xml", .xml(.forbiddenTransform)),
    ])
    func isRefused(fixture: String, expected: SAMLValidationError.Code) throws {
        #expect(throws: SAMLValidationError(expected)) { try Self.locate(fixture) }
    }
}
