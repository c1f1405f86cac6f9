import Foundation
import GatehouseSCIM
import Testing

/// At the ACS: a signed assertion whose NameID and email carry CR LF (a header of its own) is
/// refused with a page of its own, creates no user and starts no session.
@Suite struct IdentityControlCharacterSignInTests {
    @Test func aLineBreakInTheNameIDIsAClearRefusalAndNothingIsStored() async throws {
        try await SignInFlowTests.withGatehouse(jit: true, users: []) { gatehouse in
            // The IdP writes the value as XML character references; the parsed text holds CR LF.
            let injected = "carol@acme.com&#13;&#10;X-Forwarded-Role: ADMINISTRATOR"
            let response = try PythonIdP.signedResponse(
                email: injected, inResponseTo: nil, acs: SignInFlowTests.acs, audience: SignInFlowTests.audience, now: Date())
            let landed = try await RawHTTP.postToACS(port: gatehouse.ports.proxy, "/sso/saml/acme/acs", fields: [("SAMLResponse", response)])
            #expect(landed.status == 400)
            #expect(landed.body.contains("Your account details cannot be used here"))
            #expect(landed.body.contains("Reference:"))
            #expect(landed.setCookie("gatehouse_session") == nil)
            #expect(try await gatehouse.application.store.user(tenantID: "acme", named: "carol@acme.com") == nil)
        }
    }
}
