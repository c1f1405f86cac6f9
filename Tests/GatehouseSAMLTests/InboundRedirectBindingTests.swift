import Foundation
import GatehouseSAML
import GatehouseXML
import Testing

/// Redirect-bound messages from the IdP (a LogoutRequest, signed over the query by Python's
/// `cryptography`, not by libxmlsec1).
@Suite struct InboundRedirectBindingTests {
    static func query(_ name: String) throws -> String {
        try XMLSignatureVerifierTests.fixture(name).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func aSignedLogoutRequestDecodesAndVerifies() throws {
        let message = try RedirectBinding.decode(rawQuery: Self.query("logout-request-redirect.txt"), keys: XMLSignatureVerifierTests.idpKeys())
        #expect(message.parameter == "SAMLRequest")
        #expect(message.relayState == "token-1")
        #expect(message.signatureVerified)
        let root = try #require(try HardenedXMLDocument(parsing: message.xml).root)
        #expect(root.isNamed("LogoutRequest", namespace: "urn:oasis:names:tc:SAML:2.0:protocol"))
        #expect(root.attribute("ID") == "id-logout-1")
    }

    @Test func aSignatureByAnotherKeyIsRefused() throws {
        #expect(throws: SAMLValidationError(.xml(.signatureInvalid))) {
            try RedirectBinding.decode(rawQuery: Self.query("logout-request-redirect-attacker.txt"), keys: XMLSignatureVerifierTests.idpKeys())
        }
    }

    @Test func aChangedRelayStateBreaksTheSignature() throws {
        let query = try Self.query("logout-request-redirect.txt").replacingOccurrences(of: "RelayState=token-1", with: "RelayState=token-2")
        #expect(throws: SAMLValidationError(.xml(.signatureInvalid))) {
            try RedirectBinding.decode(rawQuery: query, keys: XMLSignatureVerifierTests.idpKeys())
        }
    }

    @Test func anUnsignedMessageIsRefusedWhenKeysAreGiven() throws {
        let query = try Self.query("logout-request-redirect.txt")
        let unsigned = String(query[..<query.range(of: "&SigAlg=")!.lowerBound])
        #expect(throws: SAMLValidationError(.unsigned)) { try RedirectBinding.decode(rawQuery: unsigned, keys: XMLSignatureVerifierTests.idpKeys()) }
        let decoded = try RedirectBinding.decode(rawQuery: unsigned, keys: nil)
        #expect(!decoded.signatureVerified)
    }

    @Test func sha1QuerySignaturesAreRefused() throws {
        let query = try Self.query("logout-request-redirect.txt").replacingOccurrences(
            of: "SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256",
            with: "SigAlg=http%3A%2F%2Fwww.w3.org%2F2000%2F09%2Fxmldsig%23rsa-sha1"
        )
        #expect(throws: SAMLValidationError(.xml(.sha1Refused))) {
            try RedirectBinding.decode(rawQuery: query, keys: XMLSignatureVerifierTests.idpKeys())
        }
    }

    @Test func aDeflateBombIsCapped() throws {
        let bomb = Data(RawDeflate.deflate(Array(repeating: 0x20, count: 4 << 20))).base64EncodedString()
        let query = "SAMLRequest=" + bomb.replacingOccurrences(of: "+", with: "%2B").replacingOccurrences(of: "/", with: "%2F")
        #expect(throws: SAMLValidationError(.xml(.documentTooLarge))) { try RedirectBinding.decode(rawQuery: query, keys: nil) }
    }

    @Test(arguments: [
        "SAMLRequest=a&SAMLRequest=b", "RelayState=x", "SAMLRequest=a&SAMLResponse=b", "SAMLRequest=%ZZ", "SAMLRequest=bm90IGRlZmxhdGU%3D",
    ])
    func malformedQueriesAreRefused(query: String) throws {
        #expect(throws: SAMLValidationError(.binding)) { try RedirectBinding.decode(rawQuery: query, keys: nil) }
    }
}
