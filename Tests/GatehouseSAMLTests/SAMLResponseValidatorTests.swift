import Foundation
import GatehouseSAML
import GatehouseXML
import Testing

/// The whole ordered validation against signxml-signed, Okta-shaped responses; one defect per fixture.
@Suite struct SAMLResponseValidatorTests {
    /// The fixtures are issued at 12:00 and valid until 12:05 (UTC, 2026-11-29).
    static let now = Date(timeIntervalSince1970: 1_795_953_660)  // 2026-11-29T12:01:00Z

    static func validator(allowIdPInitiated: Bool = true, cache: AssertionReplayCache = InMemoryAssertionReplayCache()) throws
        -> SAMLResponseValidator
    {
        let context = SAMLTenantContext(
            tenantID: "acme", idpEntityID: "http://www.okta.com/exk123", spEntityID: "https://dash.example.com/sso/saml/acme/metadata",
            acsURL: "https://dash.example.com/sso/saml/acme/acs", keys: try XMLSignatureVerifierTests.idpKeys(),
            allowIdPInitiated: allowIdPInitiated
        )
        return SAMLResponseValidator(context: context, replayCache: cache)
    }

    static func validate(_ fixture: String, at time: Date = now, pending: Set<String> = ["id-request-1"], allowIdPInitiated: Bool = true)
        async throws -> ValidatedAssertion
    {
        let bytes = Array(try XMLSignatureVerifierTests.fixture(fixture).utf8)
        return try await validator(allowIdPInitiated: allowIdPInitiated).validate(responseXML: bytes, pendingRequestIDs: pending, now: time)
    }

    @Test func anOktaShapedResponseGivesTheValidatedIdentity() async throws {
        let validated = try await Self.validate("signed-assertion.xml")
        #expect(validated.tenantID == "acme")
        #expect(validated.nameID == "alice@acme.com")
        #expect(validated.email == "alice@acme.com")
        #expect(validated.idpUserID == "00u1abcd")
        #expect(validated.sessionIndex == "id-session-1")
        #expect(validated.inResponseTo == "id-request-1")
        #expect(validated.assertionID == "id-assertion-1")
        #expect(validated.sessionNotOnOrAfter == Date(timeIntervalSince1970: 1_795_982_400))
    }

    @Test(arguments: [
        ("wrong-destination.xml", SAMLValidationError.Code.destination), ("destination-prefix.xml", .destination),
        ("destination-suffix.xml", .destination), ("wrong-recipient.xml", .recipient), ("recipient-prefix.xml", .recipient),
        ("recipient-suffix.xml", .recipient), ("wrong-audience.xml", .audience), ("audience-prefix.xml", .audience),
        ("audience-suffix.xml", .audience), ("wrong-issuer.xml", .issuer), ("issuer-prefix.xml", .issuer),
        ("issuer-suffix.xml", .issuer), ("expired.xml", .subjectExpired), ("not-yet-valid.xml", .notYetValid),
        ("not-bearer.xml", .subjectConfirmation), ("unknown-in-response-to.xml", .inResponseTo),
        ("status-not-success.xml", .status), ("xsw3.xml", .assertionCount), ("unsigned.xml", .unsigned),
    ])
    func eachDefectIsRefusedForItsOwnReason(fixture: String, expected: SAMLValidationError.Code) async throws {
        await #expect(throws: SAMLValidationError(expected)) { try await Self.validate(fixture) }
    }

    @Test func aFullOktaProfileOfSixKilobytesValidates() async throws {
        let validated = try await Self.validate("okta-full-profile.xml")
        #expect(validated.email == "alice@acme.com")
        #expect(validated.idpUserID == "00u1abcd")
    }

    @Test func aCommentInsideTheNameIDNeitherTruncatesNorSplitsIt() async throws {
        let validated = try await Self.validate("nameid-comment.xml")
        #expect(validated.nameID == "alice@acme.com.evil.com")
        #expect(validated.email == "alice@acme.com.evil.com")
    }

    @Test func theSameAssertionTwiceIsAReplay() async throws {
        let validator = try Self.validator()
        let bytes = Array(try XMLSignatureVerifierTests.fixture("signed-assertion.xml").utf8)
        _ = try await validator.validate(responseXML: bytes, pendingRequestIDs: ["id-request-1"], now: Self.now)
        await #expect(throws: SAMLValidationError(.replay)) {
            try await validator.validate(responseXML: bytes, pendingRequestIDs: ["id-request-1"], now: Self.now)
        }
    }

    @Test func aResponseWithInResponseToNeedsAPendingRequestEvenWhenIdPInitiatedIsAllowed() async throws {
        await #expect(throws: SAMLValidationError(.inResponseTo)) { try await Self.validate("signed-assertion.xml", pending: []) }
    }

    @Test func anUnsolicitedResponseFollowsTheTenantSetting() async throws {
        let validated = try await Self.validate("idp-initiated.xml", pending: [])
        #expect(validated.inResponseTo == nil)
        await #expect(throws: SAMLValidationError(.unsolicited)) {
            try await Self.validate("idp-initiated.xml", pending: [], allowIdPInitiated: false)
        }
    }

    @Test func clockSkewIsThreeMinutesEachWay() async throws {
        // Valid until 12:05; with 180 s of skew, 12:07:59 passes and 12:08:00 does not.
        _ = try await Self.validate("signed-assertion.xml", at: Self.now.addingTimeInterval(6 * 60 + 59))
        await #expect(throws: SAMLValidationError(.subjectExpired)) {
            try await Self.validate("signed-assertion.xml", at: Self.now.addingTimeInterval(7 * 60))
        }
    }

    @Test func anOversizedResponseIsRefusedBeforeParsing() async throws {
        let validator = try Self.validator()
        let huge = Array(String(repeating: " ", count: 300 * 1024).utf8)
        await #expect(throws: SAMLValidationError(.xml(.documentTooLarge))) {
            try await validator.validate(responseXML: huge, pendingRequestIDs: [], now: Self.now)
        }
    }
}
