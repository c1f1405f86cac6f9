import Foundation
import GatehouseSCIM
import Testing

/// Forward-auth, userinfo and logout with a real session.
@Suite struct SessionRoutesTests {
    static func withSignedIn(trustLoopback: Bool = false, _ body: (TestGatehouse, String) async throws -> Void) async throws {
        let trust = trustLoopback ? "trusted_proxies: [127.0.0.1/32]\n" : ""
        try await TestGatehouse.with(extraYAML: SignInFlowTests.yaml() + SignedInProxyTests.rulesYAML + trust) { gatehouse in
            await gatehouse.application.metadataService.refreshDue()
            try await gatehouse.application.store.createUser(
                StoredUser(tenantID: "acme", userName: "alice@acme.com", email: "alice@acme.com", role: "ANALYST", createdAt: Date()))
            try await body(gatehouse, try await SignedInProxyTests.signIn(gatehouse))
        }
    }

    @Test func forwardAuthAnswersWithTheIdentityOr401Or403() async throws {
        try await Self.withSignedIn(trustLoopback: true) { gatehouse, cookie in
            let port = gatehouse.ports.proxy
            let allowed = try await RawHTTP.get(
                port: port, "/sso/auth", headers: ["Cookie: \(cookie)", "X-Forwarded-Uri: /reports/1", "X-Forwarded-Method: GET"])
            #expect(allowed.status == 200)
            #expect(allowed.header("X-Forwarded-Role") == "ANALYST")
            #expect(allowed.header("X-Forwarded-Email") == "alice@acme.com")
            #expect(allowed.header("X-Forwarded-Tenant") == "acme")
            #expect(allowed.header("X-Gatehouse-Jwt-Assertion")?.split(separator: ".").count == 3)
            let refused = try await RawHTTP.get(port: port, "/sso/auth", headers: ["Cookie: \(cookie)", "X-Forwarded-Uri: /settings/x?y=1"])
            #expect(refused.status == 403)
            #expect(try await RawHTTP.get(port: port, "/sso/auth", headers: ["X-Forwarded-Uri: /reports/1"]).status == 401)
            for sneaky in ["/reports/../settings/x", "/reports/%2e%2e/settings/x", "/reports%2F..%2Fsettings/x"] {
                let status = try await RawHTTP.get(port: port, "/sso/auth", headers: ["Cookie: \(cookie)", "X-Forwarded-Uri: \(sneaky)"]).status
                #expect(status == 403, "\(sneaky)")
            }
        }
    }

    /// Traefik's ForwardAuth hands /sso/auth's answer to the browser, so `?redirect=true` turns a
    /// page load without a session into the gate's sign-in redirect; API calls, other methods
    /// and nginx (no parameter) keep the 401.
    @Test func forwardAuthRedirectsAPageLoadToSignInWhenAsked() async throws {
        try await Self.withSignedIn(trustLoopback: true) { gatehouse, cookie in
            let port = gatehouse.ports.proxy
            let cases: [(target: String, headers: [String], status: Int, location: String?)] = [
                (
                    "/sso/auth?redirect=true", ["X-Forwarded-Uri: /reports/1?tab=2", "X-Forwarded-Method: GET"], 302,
                    "/sso/login?return_to=/reports/1%3Ftab%3D2"
                ),
                ("/sso/auth?redirect=TRUE", ["X-Forwarded-Uri: /a b", "X-Forwarded-Method: HEAD"], 302, "/sso/login?return_to=/a%20b"),
                ("/sso/auth?redirect=true", [], 302, "/sso/login?return_to=/"),
                // A target the gate refuses, or one that is no path, is not carried along.
                ("/sso/auth?redirect=true", ["X-Forwarded-Uri: /reports/../settings/x"], 302, "/sso/login?return_to=/"),
                ("/sso/auth?redirect=true", ["X-Forwarded-Uri: //evil.example/x"], 302, "/sso/login?return_to=/"),
                ("/sso/auth?redirect=true", ["X-Forwarded-Uri: /\\evil.example/x"], 302, "/sso/login?return_to=/"),
                ("/sso/auth?redirect=true", ["X-Forwarded-Uri: /%2F%2Fevil.example/x"], 302, "/sso/login?return_to=/"),
                ("/sso/auth?redirect=true", ["X-Forwarded-Uri: /%5Cevil.example/x"], 302, "/sso/login?return_to=/"),
                ("/sso/auth?redirect=true", ["X-Forwarded-Uri: /x%0d%0aSet-Cookie:%20a=b"], 302, "/sso/login?return_to=/"),
                ("/sso/auth?redirect=true", ["X-Forwarded-Uri: https://evil.example/"], 302, "/sso/login?return_to=/"),
                ("/sso/auth?redirect=true", ["X-Forwarded-Uri: /x", "X-Forwarded-Method: POST"], 401, nil),
                ("/sso/auth?redirect=true", ["X-Forwarded-Uri: /x", "Accept: application/json"], 401, nil),
                ("/sso/auth?redirect=true", ["X-Forwarded-Uri: /x", "X-Requested-With: XMLHttpRequest"], 401, nil),
                ("/sso/auth?redirect=true", ["X-Forwarded-Uri: /x", "X-Forwarded-Uri: /y"], 401, nil),
                ("/sso/auth", ["X-Forwarded-Uri: /x", "X-Forwarded-Method: GET"], 401, nil),
                ("/sso/auth?redirect=false", ["X-Forwarded-Uri: /x"], 401, nil),
            ]
            for check in cases {
                let response = try await RawHTTP.get(port: port, check.target, headers: check.headers)
                #expect(response.status == check.status, "\(check)")
                #expect(response.header("Location") == check.location, "\(check)")
            }
            // Signed in, the parameter changes nothing.
            let signedIn = try await RawHTTP.get(
                port: port, "/sso/auth?redirect=true", headers: ["Cookie: \(cookie)", "X-Forwarded-Uri: /reports/1", "X-Forwarded-Method: GET"])
            #expect(signedIn.status == 200)
        }
    }

    @Test func anUntrustedPeersForwardedUriIsNotBelieved() async throws {
        try await Self.withSignedIn { gatehouse, cookie in
            // Not from a trusted proxy: X-Forwarded-Uri is dropped, so forward-auth does not know
            // the request, and where rules exist it never says yes about a request it was not told of
            // (it used to check "/" and answer 200). Neither the spoofed nor a harmless URI helps.
            for uri in ["/settings/x", "/"] {
                let response = try await RawHTTP.get(
                    port: gatehouse.ports.proxy, "/sso/auth", headers: ["Cookie: \(cookie)", "X-Forwarded-Uri: \(uri)"])
                #expect(response.status == 403)
            }
        }
    }

    @Test func userinfoIsTheSignedInIdentity() async throws {
        try await Self.withSignedIn { gatehouse, cookie in
            let info = try await RawHTTP.get(port: gatehouse.ports.proxy, "/sso/userinfo", headers: ["Cookie: \(cookie)"])
            #expect(info.status == 200)
            let json = try JSONSerialization.jsonObject(with: Data(info.body.utf8)) as? [String: String]
            #expect(json?["email"] == "alice@acme.com")
            #expect(json?["role"] == "ANALYST")
            #expect(try await RawHTTP.get(port: gatehouse.ports.proxy, "/sso/userinfo").status == 401)
        }
    }

    @Test func logoutNeedsTheFormAndEndsTheSession() async throws {
        try await Self.withSignedIn { gatehouse, cookie in
            let port = gatehouse.ports.proxy
            let page = try await RawHTTP.get(port: port, "/sso/logout", headers: ["Cookie: \(cookie)"])
            #expect(page.status == 200)
            #expect(try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: \(cookie)"]).status == 200)
            // A cross-site POST without the token does nothing.
            let forged = try await RawHTTP.postForm(port: port, "/sso/logout", fields: [], cookies: [cookie])
            #expect(forged.status == 200)
            #expect(try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: \(cookie)"]).status == 200)

            let csrf = try #require(page.body.range(of: #"name="csrf" value=""#)).upperBound
            let token = String(page.body[csrf...].prefix { $0 != "\"" })
            let out = try await RawHTTP.postForm(port: port, "/sso/logout", fields: [("csrf", token)], cookies: [cookie] + page.cookies)
            #expect(out.status == 303)
            #expect(out.header("Location") == "/sso/login")
            #expect(out.setCookie("gatehouse_session")?.contains("Max-Age=0") == true)
            #expect(try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: \(cookie)"]).status == 302)
        }
    }
}
