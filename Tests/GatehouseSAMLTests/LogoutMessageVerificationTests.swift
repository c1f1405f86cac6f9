import Foundation
import GatehouseSAML
import GatehouseXML
import Testing

/// Logout validation takes only what a binding decoder verified: a LogoutRequest reaches
/// `LogoutRequestValidator` as a `VerifiedLogoutMessage`, which only the Redirect and POST
/// decoders make, and each tampering is refused by the decoder with its own code.
@Suite struct LogoutMessageVerificationTests {
    static let now = SAMLResponseValidatorTests.now
    static let sloURL = "https://dash.example.com/sso/saml/acme/slo"

    static func context() throws -> SAMLTenantContext {
        SAMLTenantContext(
            tenantID: "acme", idpEntityID: "http://www.okta.com/exk123", spEntityID: "https://dash.example.com/sso/saml/acme/metadata",
            acsURL: "https://dash.example.com/sso/saml/acme/acs", keys: try XMLSignatureVerifierTests.idpKeys())
    }

    static func redirectQuery(_ name: String = "logout-request-redirect.txt") throws -> String {
        try XMLSignatureVerifierTests.fixture(name).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The fixture's LogoutRequest, unsigned, as XML.
    static func logoutRequestXML() throws -> [UInt8] {
        let query = try redirectQuery()
        return try RedirectBinding.decode(rawQuery: String(query[..<query.range(of: "&SigAlg=")!.lowerBound]), keys: nil).xml
    }

    /// The same request with an enveloped signature by `key` (the IdP's unless told), as an IdP posts it.
    static func signedForPost(key keyFile: String = "idp.key") throws -> [UInt8] {
        let key = try XMLSigningKey(privateKeyPEM: XMLSignatureVerifierTests.fixture(keyFile))
        return try HardenedXMLDocument(parsing: logoutRequestXML()).signEnveloped(elementWithID: "id-logout-1", key: key)
    }

    static func validate(_ message: VerifiedLogoutMessage, cache: AssertionReplayCache = InMemoryAssertionReplayCache()) async throws
        -> ValidatedLogoutRequest
    {
        try await LogoutRequestValidator.validate(message, context: context(), sloURL: sloURL, replayCache: cache, now: now)
    }

    /// What the fixture's LogoutRequest says: alice's session `id-session-1`.
    static func expectAlicesSession(_ logout: ValidatedLogoutRequest) {
        #expect(logout.id == "id-logout-1")
        #expect(logout.nameID == "alice@acme.com")
        #expect(logout.sessionIndexes == ["id-session-1"])
    }

    @Test func aRedirectBoundRequestVerifiedByTheDecoderIsValidated() async throws {
        let message = try RedirectBinding.verifiedLogoutMessage(rawQuery: Self.redirectQuery(), keys: XMLSignatureVerifierTests.idpKeys())
        #expect(message.binding == .redirect)
        #expect(message.relayState == "token-1")
        Self.expectAlicesSession(try await Self.validate(message))
    }

    @Test func aPostBoundRequestVerifiedByTheDecoderIsValidated() async throws {
        let message = try PostBinding.verifiedLogoutMessage(
            parameter: "SAMLRequest", xml: Self.signedForPost(), relayState: nil, keys: XMLSignatureVerifierTests.idpKeys())
        #expect(message.binding == .post(signedElementID: "id-logout-1"))
        Self.expectAlicesSession(try await Self.validate(message))
    }

    @Test func theSameRequestTwiceIsAReplay() async throws {
        let cache = InMemoryAssertionReplayCache()
        let message = try RedirectBinding.verifiedLogoutMessage(rawQuery: Self.redirectQuery(), keys: XMLSignatureVerifierTests.idpKeys())
        _ = try await Self.validate(message, cache: cache)
        await #expect(throws: SAMLValidationError(.replay)) { try await Self.validate(message, cache: cache) }
    }

    @Test func aRedirectSignatureByAnotherKeyNeverReachesValidation() throws {
        #expect(throws: SAMLValidationError(.xml(.signatureInvalid))) {
            try RedirectBinding.verifiedLogoutMessage(
                rawQuery: Self.redirectQuery("logout-request-redirect-attacker.txt"), keys: XMLSignatureVerifierTests.idpKeys())
        }
    }

    @Test func anUnsignedRedirectMessageNeverReachesValidation() throws {
        let query = try Self.redirectQuery()
        let unsigned = String(query[..<query.range(of: "&SigAlg=")!.lowerBound])
        #expect(throws: SAMLValidationError(.unsigned)) {
            try RedirectBinding.verifiedLogoutMessage(rawQuery: unsigned, keys: XMLSignatureVerifierTests.idpKeys())
        }
    }

    @Test func aPostMessageChangedAfterSigningNeverReachesValidation() throws {
        let signed = try String(decoding: Self.signedForPost(), as: UTF8.self)
        let tampered = signed.replacingOccurrences(of: ">alice@acme.com<", with: ">mallory@acme.com<")
        #expect(tampered != signed)
        #expect(throws: SAMLValidationError(.xml(.digestMismatch))) {
            try PostBinding.verifiedLogoutMessage(
                parameter: "SAMLRequest", xml: Array(tampered.utf8), relayState: nil, keys: XMLSignatureVerifierTests.idpKeys())
        }
    }

    @Test func aPostMessageSignedByAnotherKeyNeverReachesValidation() throws {
        let forged = try Self.signedForPost(key: "sp.key")
        #expect(throws: SAMLValidationError(.xml(.signatureInvalid))) {
            try PostBinding.verifiedLogoutMessage(parameter: "SAMLRequest", xml: forged, relayState: nil, keys: XMLSignatureVerifierTests.idpKeys())
        }
    }

    @Test func anUnsignedPostMessageNeverReachesValidation() throws {
        #expect(throws: SAMLValidationError(.unsigned)) {
            try PostBinding.verifiedLogoutMessage(
                parameter: "SAMLRequest", xml: Self.logoutRequestXML(), relayState: nil, keys: XMLSignatureVerifierTests.idpKeys())
        }
    }

    /// The compile-time half: `VerifiedLogoutMessage` has no public initialiser, and inside the
    /// module only the two binding decoders make one (a caller cannot hand the validator a
    /// message nobody verified).
    @Test func onlyTheBindingDecodersMakeAVerifiedLogoutMessage() throws {
        let sources = PythonPeer.repository.appendingPathComponent("Sources/GatehouseSAML")
        let files = try FileManager.default.contentsOfDirectory(atPath: sources.path).filter { $0.hasSuffix(".swift") }
        var makers: [String] = []
        for file in files {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            if text.contains("VerifiedLogoutMessage(") { makers.append(file) }
            if file == "VerifiedLogoutMessage.swift" {
                #expect(!text.contains("public init"))
                #expect(text.contains("\n    init(parameter:"))
            }
        }
        #expect(makers.sorted() == ["PostBinding.swift", "RedirectBinding.swift"])
    }
}
