import Foundation
import GatehouseSCIM
import Testing

/// After sign-in, requests reach the upstream with the verified identity and nothing a client
/// could forge; rules answer 403; a deleted session or a deactivated user is signed out.
@Suite struct SignedInProxyTests {
    static let rulesYAML = """
        rules:
          - path_prefix: /settings/
            roles: [ADMINISTRATOR]
          - path_prefix: /reports/
            methods: [POST]
            roles: [MANAGER]

        """

    /// Signs alice in (IdP-initiated, Python IdP) and returns her session cookie.
    static func signIn(_ gatehouse: TestGatehouse, email: String = "alice@acme.com") async throws -> String {
        let landed = try await SignInFlowTests.postResponse(gatehouse.ports.proxy, email: email, inResponseTo: nil, relayState: nil, cookies: [])
        #expect(landed.status == 303)
        return try #require(landed.cookie("gatehouse_session"))
    }

    static func withSignedIn(_ body: (TestGatehouse, String) async throws -> Void) async throws {
        try await TestGatehouse.with(extraYAML: SignInFlowTests.yaml() + rulesYAML) { gatehouse in
            await gatehouse.application.metadataService.refreshDue()
            try await gatehouse.application.store.createUser(
                StoredUser(tenantID: "acme", userName: "alice@acme.com", email: "Alice@Acme.com", role: "ANALYST", createdAt: Date()))
            try await body(gatehouse, try await signIn(gatehouse))
        }
    }

    @Test func theUpstreamSeesTheVerifiedIdentityAndNoSpoofedCopy() async throws {
        try await Self.withSignedIn { gatehouse, cookie in
            let spoofed = [
                "X-Forwarded-Role: ADMINISTRATOR", "x_forwarded_user: mallory", "X-Forwarded-Tenant: other", "X-Forwarded-Email: m@evil.com",
            ]
            let response = try await RawHTTP.get(port: gatehouse.ports.proxy, "/echo", headers: ["Cookie: theme=dark; \(cookie)"] + spoofed)
            #expect(response.status == 200)
            let user = try #require(try await gatehouse.application.store.user(tenantID: "acme", named: "alice@acme.com"))
            #expect(try response.upstreamHeader("X-Forwarded-User") == [user.id])
            #expect(try response.upstreamHeader("X-Forwarded-Email") == ["Alice@Acme.com"])
            #expect(try response.upstreamHeader("X-Forwarded-Role") == ["ANALYST"])
            #expect(try response.upstreamHeader("X-Forwarded-Tenant") == ["acme"])
            // Gatehouse's cookies stay with Gatehouse; the app's own cookies pass.
            #expect(try response.upstreamHeader("Cookie") == ["theme=dark"])
        }
    }

    @Test func aForgedOrUnknownCookieIsNotASession() async throws {
        try await Self.withSignedIn { gatehouse, cookie in
            let port = gatehouse.ports.proxy
            let tampered = String(cookie.dropLast(2)) + (cookie.hasSuffix("AA") ? "BB" : "AA")
            #expect(try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: \(tampered)"]).status == 302)
            #expect(try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: gatehouse_session=abc.def"]).status == 302)
            // Only the cookie with exactly that name counts; a look-alike name carrying a valid value does not.
            let value = String(cookie.dropFirst("gatehouse_session=".count))
            let lookalike = try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: gatehouse_sessionx=\(value); xgatehouse_session=\(value)"])
            #expect(lookalike.status == 302)
            let second = try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: theme=dark", "Cookie: lang=en; \(cookie)"])
            #expect(second.status == 200)
            let api = try await RawHTTP.get(port: port, "/api/x", headers: ["Cookie: gatehouse_session=abc.def", "Accept: application/json"])
            #expect(api.status == 401)
        }
    }

    @Test func rulesRefuseRolesTheyDoNotList() async throws {
        try await Self.withSignedIn { gatehouse, cookie in
            let port = gatehouse.ports.proxy
            let settings = try await RawHTTP.get(port: port, "/settings/users", headers: ["Cookie: \(cookie)"])
            #expect(settings.status == 403)
            #expect(settings.body.contains("You do not have access to this page"))
            // The rule for /reports/ covers POST only.
            #expect(try await RawHTTP.get(port: port, "/reports/1", headers: ["Cookie: \(cookie)"]).status == 200)
            let post = try await RawHTTP.exchange(
                port: port,
                [
                    "POST /reports/1 HTTP/1.1", "Host: x", "Cookie: \(cookie)", "Accept: application/json", "Content-Length: 2", "Connection: close",
                    "", "{}",
                ]
                .joined(separator: "\r\n"))
            #expect(post.status == 403)
            #expect(post.body.contains(#""error":"forbidden""#))
        }
    }

    @Test func aSignedInUploadStreamsItsBodyAfterTheSessionCheck() async throws {
        try await Self.withSignedIn { gatehouse, cookie in
            let body = String(repeating: "x", count: 200_000)
            let response = try await RawHTTP.exchange(
                port: gatehouse.ports.proxy,
                ["POST /upload HTTP/1.1", "Host: x", "Cookie: \(cookie)", "Content-Length: \(body.utf8.count)", "Connection: close", "", body]
                    .joined(separator: "\r\n"))
            #expect(response.status == 200)
            #expect(response.body.contains(#""body_bytes":200000"#))
        }
    }

    @Test func deletingTheSessionsOrDeactivatingTheUserSignsThemOut() async throws {
        try await Self.withSignedIn { gatehouse, cookie in
            let port = gatehouse.ports.proxy
            let store = gatehouse.application.store
            let user = try #require(try await store.user(tenantID: "acme", named: "alice@acme.com"))
            #expect(try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: \(cookie)"]).status == 200)
            #expect(try await store.deleteSessions(userID: user.id) == 1)
            gatehouse.application.forgetSessions(userID: user.id)
            #expect(try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: \(cookie)"]).status == 302)

            let again = try await Self.signIn(gatehouse)
            #expect(try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: \(again)"]).status == 200)
            #expect(try await store.setActive(userID: user.id, active: false, at: Date()))
            gatehouse.application.forgetSessions(userID: user.id)
            #expect(try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: \(again)"]).status == 302)
        }
    }

    @Test func theIdentityJWTVerifiesWithPyJWTAgainstThePublishedKeys() async throws {
        try await Self.withSignedIn { gatehouse, cookie in
            let port = gatehouse.ports.proxy
            let response = try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: \(cookie)", "X-Gatehouse-Jwt-Assertion: forged"])
            let tokens = try response.upstreamHeader("X-Gatehouse-Jwt-Assertion")
            #expect(tokens.count == 1)
            let token = try #require(tokens.first)
            #expect(token != "forged")
            let jwks = try await RawHTTP.get(port: port, "/sso/jwks.json")
            #expect(jwks.status == 200)
            #expect(jwks.header("Content-Type") == "application/json")
            let origin = "http://127.0.0.1:8080"
            let verified = try PythonIdP.run("verify_jwt.py", arguments: [token, origin, origin], input: jwks.body)
            #expect(verified.status == 0, "PyJWT refused: \(verified.output)")
            let claims = try JSONSerialization.jsonObject(with: Data(verified.output.utf8)) as? [String: Any]
            let user = try #require(try await gatehouse.application.store.user(tenantID: "acme", named: "alice@acme.com"))
            #expect(claims?["sub"] as? String == user.id)
            #expect(claims?["email"] as? String == "Alice@Acme.com")
            #expect(claims?["role"] as? String == "ANALYST")
            #expect(claims?["tenant"] as? String == "acme")
            let issued = try #require(claims?["iat"] as? Double)
            let expires = try #require(claims?["exp"] as? Double)
            #expect(expires - issued == 60)
            // A token with one character changed, or checked for another audience, is refused.
            let tampered = String(token.dropLast()) + (token.hasSuffix("A") ? "B" : "A")
            #expect(try PythonIdP.run("verify_jwt.py", arguments: [tampered, origin, origin], input: jwks.body).status == 1)
            #expect(try PythonIdP.run("verify_jwt.py", arguments: [token, "https://other.example", origin], input: jwks.body).status == 1)
        }
    }
}
