import Foundation
import GatehouseSCIM
import Testing

/// The IdP posts to the ACS from another site, so a `SameSite=Lax` pending cookie stays behind
/// (plain http; on https it is `SameSite=None; Secure` and comes along). The ACS then answers with
/// a page of its own origin that posts the response again, unread; the second, same-site POST
/// carries the cookie and is the one validated. These tests play the browser's part by hand.
@Suite struct CrossSiteSignInTests {
    static let acsPath = "/sso/saml/acme/acs"

    @Test func aCookielessPostIsResubmittedUnreadAndValidatedOnlyWithTheCookie() async throws {
        try await SignInFlowTests.withGatehouse { gatehouse in
            let port = gatehouse.ports.proxy
            let started = try await SignInFlowTests.startFromEmail(port, email: "alice@acme.com", returnTo: "/reports?id=7")
            let response = try PythonIdP.signedResponse(
                email: "alice@acme.com", inResponseTo: started.requestID, acs: SignInFlowTests.acs, audience: SignInFlowTests.audience, now: Date())
            // The IdP's cross-site POST: no cookie came.
            let hop = try await RawHTTP.postForm(
                port: port, Self.acsPath, fields: [("SAMLResponse", response), ("RelayState", started.requestID)])
            #expect(hop.status == 200)
            #expect(hop.headers.allSatisfy { $0.name.lowercased() != "set-cookie" })
            let form = try #require(hop.resubmissionForm)
            #expect(form.action == Self.acsPath)
            #expect(form.fields.map(\.0) == ["SAMLResponse", "RelayState", "gatehouse_resubmitted"])
            #expect(form.fields[0].1 == response)
            let policy = try #require(hop.header("Content-Security-Policy"))
            #expect(policy.contains("script-src 'sha256-"))
            #expect(policy.contains("form-action 'self'"))
            #expect(!policy.contains("unsafe-inline"))
            #expect(hop.body.contains(#"<button type="submit">Continue</button>"#))
            // The page's same-site POST carries the pending cookie: validated now, and the first
            // hop did not use up the assertion in the replay cache.
            let landed = try await RawHTTP.postForm(port: port, form.action, fields: form.fields, cookies: started.cookies)
            #expect(landed.status == 303)
            #expect(landed.header("Location") == "/reports?id=7")
            #expect(landed.setCookie("gatehouse_session") != nil)
            // Validated once: the same form again is a replay.
            let again = try await RawHTTP.postForm(port: port, form.action, fields: form.fields, cookies: started.cookies)
            #expect(again.status == 400)
            #expect(again.setCookie("gatehouse_session") == nil)
        }
    }

    @Test func loginCSRFTheAttackersOwnResponseDoesNotSignTheVictimIn() async throws {
        try await SignInFlowTests.withGatehouse(users: [("alice@acme.com", true), ("mallory@acme.com", true)]) { gatehouse in
            let port = gatehouse.ports.proxy
            // Mallory starts a sign-in in her browser and keeps the IdP's answer for her request.
            let mallory = try await SignInFlowTests.startFromEmail(port, email: "mallory@acme.com", returnTo: "/")
            let response = try PythonIdP.signedResponse(
                email: "mallory@acme.com", inResponseTo: mallory.requestID, acs: SignInFlowTests.acs, audience: SignInFlowTests.audience,
                now: Date())
            // Alice has a sign-in of her own pending; Mallory's page posts into Alice's browser.
            let alice = try await SignInFlowTests.startFromEmail(port, email: "alice@acme.com", returnTo: "/")
            let fields = [("SAMLResponse", response), ("RelayState", mallory.requestID)]
            // Through the re-submission page, as the browser would follow it, with Alice's cookies.
            let bounced = try await RawHTTP.postToACS(port: port, Self.acsPath, fields: fields, cookies: alice.cookies)
            // Straight at the ACS with the marker (skipping the page), with Alice's cookies, and with none.
            let marked = try await RawHTTP.postForm(
                port: port, Self.acsPath, fields: fields + [("gatehouse_resubmitted", "1")], cookies: alice.cookies)
            let bare = try await RawHTTP.postForm(port: port, Self.acsPath, fields: fields + [("gatehouse_resubmitted", "1")])
            for attempt in [bounced, marked, bare] {
                #expect(attempt.status == 400)
                #expect(attempt.setCookie("gatehouse_session") == nil)
            }
            // The response was never consumed for Mallory either: it is not a key anyone else holds.
            let user = try #require(try await gatehouse.application.store.user(tenantID: "acme", named: "mallory@acme.com"))
            #expect(try await gatehouse.application.store.deleteSessions(userID: user.id) == 0)
        }
    }

    @Test func theResubmissionPageEscapesWhatItEchoes() async throws {
        try await SignInFlowTests.withGatehouse { gatehouse in
            let hostile = #""><script>alert(1)</script><input name="x"#
            let hop = try await RawHTTP.postForm(
                port: gatehouse.ports.proxy, Self.acsPath, fields: [("SAMLResponse", "PHg+PC94Pg=="), ("RelayState", hostile)])
            #expect(hop.status == 200)
            #expect(!hop.body.contains("<script>alert"))
            #expect(hop.body.contains("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"))
            let form = try #require(hop.resubmissionForm)
            #expect(form.fields.first { $0.0 == "RelayState" }?.1 == hostile)
            // Posted on, it is an unreadable response, refused, and the RelayState went nowhere.
            let landed = try await RawHTTP.postForm(port: gatehouse.ports.proxy, form.action, fields: form.fields)
            #expect(landed.status == 400)
            #expect(landed.header("Location") == nil)
        }
    }

    @Test func aPostTheBrowserSaysIsSameSiteIsValidatedAtOnce() async throws {
        try await SignInFlowTests.withGatehouse { gatehouse in
            let response = try PythonIdP.signedResponse(
                email: "alice@acme.com", inResponseTo: nil, acs: SignInFlowTests.acs, audience: SignInFlowTests.audience, now: Date())
            let body = "SAMLResponse=\(RawHTTP.formEncode(response))"
            let request = [
                "POST \(Self.acsPath) HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/x-www-form-urlencoded", "Sec-Fetch-Site: same-origin",
                "Content-Length: \(body.utf8.count)", "Connection: close", "", body,
            ]
            let landed = try await RawHTTP.exchange(port: gatehouse.ports.proxy, request.joined(separator: "\r\n"))
            #expect(landed.status == 303)
        }
    }
}
