import Foundation
import GatehouseSCIM
import Testing

/// With an https `public_url` Gatehouse's cookies are `__Host-` (Secure, Path=/, no Domain), the
/// pending-sign-in cookie is `SameSite=None` so it comes back with the IdP's cross-site POST, and
/// the proxy reads the session under its prefixed name only.
@Suite struct HostPrefixCookieTests {
    static let acs = "https://dash.test/sso/saml/acme/acs"
    static let audience = "https://dash.test/sso/saml/acme/metadata"

    @Test func onHTTPSEveryCookieIsHostPrefixedAndThePendingOneCrossSite() async throws {
        try await TestGatehouse.with(extraYAML: SignInFlowTests.yaml(), publicURL: "https://dash.test") { gatehouse in
            await gatehouse.application.metadataService.refreshDue()
            try await gatehouse.application.store.createUser(
                StoredUser(tenantID: "acme", userName: "alice@acme.com", email: "alice@acme.com", role: "ANALYST", createdAt: Date()))
            let port = gatehouse.ports.proxy
            let form = try await RawHTTP.get(port: port, "/sso/login")
            let csrf = try #require(form.setCookie("__Host-gatehouse_csrf"))
            #expect(csrf.contains("; Secure") && csrf.contains("Path=/") && !csrf.contains("Domain"))
            let started = try await RawHTTP.get(port: port, "/sso/saml/acme/login?return_to=%2Freports")
            #expect(started.status == 302)
            let pending = try #require(started.setCookie("__Host-gatehouse_pending"))
            #expect(pending.contains("SameSite=None"))
            #expect(pending.contains("; Secure"))
            #expect(pending.contains("HttpOnly"))
            #expect(started.setCookie("gatehouse_pending") == nil)
            // The IdP's cross-site POST carries the None cookie: validated at once, no re-submission.
            let requestID = try SignInFlowTests.requestID(in: try #require(started.header("Location")))
            let response = try PythonIdP.signedResponse(
                email: "alice@acme.com", inResponseTo: requestID, acs: Self.acs, audience: Self.audience, now: Date())
            let landed = try await RawHTTP.postForm(port: port, "/sso/saml/acme/acs", fields: [("SAMLResponse", response)], cookies: started.cookies)
            #expect(landed.status == 303)
            #expect(landed.header("Location") == "/reports")
            let session = try #require(landed.setCookie("__Host-gatehouse_session"))
            #expect(session.contains("SameSite=Lax") && session.contains("; Secure") && session.contains("HttpOnly"))
            let cookie = try #require(landed.cookie("__Host-gatehouse_session"))
            // The proxy finds the session under the prefixed name, and never forwards it.
            let echoed = try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: theme=dark; \(cookie)"])
            #expect(echoed.status == 200)
            #expect(try echoed.upstreamHeader("X-Forwarded-Email") == ["alice@acme.com"])
            #expect(try echoed.upstreamHeader("Cookie") == ["theme=dark"])
            // The same value under the unprefixed name (a cookie anyone on a sibling http site could
            // plant) is not a session on https.
            let value = cookie.dropFirst("__Host-gatehouse_session=".count)
            let unprefixed = try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: gatehouse_session=\(value)"])
            #expect(unprefixed.status == 302)
        }
    }
}
