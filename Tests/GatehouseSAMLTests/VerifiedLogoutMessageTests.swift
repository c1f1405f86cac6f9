import Foundation
import Testing

@testable import GatehouseSAML

/// What the validator still checks about a verified message: that it is a request, and (with
/// HTTP-POST) that the element the signature covered is this request.
@Suite struct VerifiedLogoutMessageTests {
    @Test func aPostMessageWhoseVerifiedElementIsNotTheRequestIsRefused() async throws {
        let xml = try LogoutMessageVerificationTests.logoutRequestXML()
        let message = VerifiedLogoutMessage(parameter: "SAMLRequest", xml: xml, relayState: nil, binding: .post(signedElementID: "id-other"))
        await #expect(throws: SAMLValidationError(.xml(.referenceNotSignedElement))) {
            try await LogoutMessageVerificationTests.validate(message)
        }
    }

    @Test func aVerifiedLogoutResponseIsNotARequest() async throws {
        let xml = try LogoutMessageVerificationTests.logoutRequestXML()
        let message = VerifiedLogoutMessage(parameter: "SAMLResponse", xml: xml, relayState: nil, binding: .redirect)
        await #expect(throws: SAMLValidationError(.binding)) { try await LogoutMessageVerificationTests.validate(message) }
    }
}
