import Foundation
import GatehouseSCIM
import Testing

/// The gate against the spellings an attacker sends, over real sockets, as a signed-in DEVELOPER
/// whom a rule keeps out of `/admin/`: every spelling some framework serves as `/admin/…` is refused.
@Suite struct AttackSpellingTests {
    static let yaml = """
        public_paths: ["^/public/", "^/healthz$"]
        trusted_proxies: [127.0.0.1/32]
        rules:
          - path_prefix: /admin/
            roles: [ADMINISTRATOR]
          - path_prefix: /exports/
            methods: [GET]
            roles: [ADMINISTRATOR]
          - path_prefix: /reports/
            methods: [POST]
            roles: [MANAGER]

        """

    static func withDeveloper(_ body: (TestGatehouse, String) async throws -> Void) async throws {
        try await TestGatehouse.with(extraYAML: SignInFlowTests.yaml() + yaml) { gatehouse in
            await gatehouse.application.metadataService.refreshDue()
            try await gatehouse.application.store.createUser(
                StoredUser(tenantID: "acme", userName: "alice@acme.com", email: "alice@acme.com", role: "DEVELOPER", createdAt: Date()))
            try await body(gatehouse, try await SignedInProxyTests.signIn(gatehouse))
        }
    }

    @Test func everySpellingOfAProtectedPathIsRefusedOverTheWire() async throws {
        try await Self.withDeveloper { gatehouse, cookie in
            var got: [String: Int] = [:]
            var expected: [String: Int] = [:]
            for spelling in PathSpelling.admin {
                got[spelling.target] = try await RawHTTP.get(port: gatehouse.ports.proxy, spelling.target, headers: ["Cookie: \(cookie)"]).status
                expected[spelling.target] = spelling.status
            }
            #expect(got == expected)
        }
    }

    @Test func forwardAuthDecidesTheSameSpellingsTheSameWay() async throws {
        try await Self.withDeveloper { gatehouse, cookie in
            var got: [String: Int] = [:]
            var expected: [String: Int] = [:]
            for spelling in PathSpelling.admin {
                let response = try await RawHTTP.get(
                    port: gatehouse.ports.proxy, "/sso/auth",
                    headers: ["Cookie: \(cookie)", "X-Forwarded-Uri: \(spelling.target)", "X-Forwarded-Method: GET"])
                got[spelling.target] = response.status
                expected[spelling.target] = spelling.status == 200 ? 200 : 403
            }
            #expect(got == expected)
        }
    }

    @Test func headIsGetForARuleAndMethodOverridesNeverReachTheUpstream() async throws {
        try await Self.withDeveloper { gatehouse, cookie in
            let port = gatehouse.ports.proxy
            let head = try await RawHTTP.exchange(
                port: port, "HEAD /exports/1 HTTP/1.1\r\nHost: x\r\nCookie: \(cookie)\r\nConnection: close\r\n\r\n")
            #expect(head.status == 403)
            let overrides = [
                "X-HTTP-Method-Override: DELETE", "X-HTTP-Method: PUT", "X-Method-Override: PATCH", "x_http_method_override: DELETE",
                "X-Http-Method-Override: POST",
            ]
            let echoed = try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: \(cookie)"] + overrides)
            #expect(echoed.status == 200)
            let names = try echoed.upstreamHeaders().map { $0.name.lowercased().replacingOccurrences(of: "_", with: "-") }
            #expect(!names.contains { $0.contains("method") })
        }
    }

    @Test func forwardAuthFailsClosedWithoutABelievedURIAndDecidesOnOverrides() async throws {
        try await Self.withDeveloper { gatehouse, cookie in
            let port = gatehouse.ports.proxy
            // No X-Forwarded-Uri: rules exist, so no 200 about a request it was not told of.
            let withoutURI = try await RawHTTP.get(port: port, "/sso/auth", headers: ["Cookie: \(cookie)"])
            #expect(withoutURI.status == 403)
            // No X-Forwarded-Method: every rule on the path applies (reports is POST-only for MANAGER).
            #expect(try await RawHTTP.get(port: port, "/sso/auth", headers: ["Cookie: \(cookie)", "X-Forwarded-Uri: /reports/1"]).status == 403)
            let asGET = ["Cookie: \(cookie)", "X-Forwarded-Uri: /reports/1", "X-Forwarded-Method: GET"]
            #expect(try await RawHTTP.get(port: port, "/sso/auth", headers: asGET).status == 200)
            // nginx's auth_request copies the client's headers: an override the upstream may honour is decided on.
            for override in ["X-HTTP-Method-Override: POST", "x-method-override: post", "X_HTTP_Method: POST"] {
                #expect(try await RawHTTP.get(port: port, "/sso/auth", headers: asGET + [override]).status == 403)
            }
            // HEAD is GET for forward-auth too (exports is GET-only for ADMINISTRATOR).
            let head = ["Cookie: \(cookie)", "X-Forwarded-Uri: /exports/1", "X-Forwarded-Method: HEAD"]
            #expect(try await RawHTTP.get(port: port, "/sso/auth", headers: head).status == 403)
            // Two URIs or two methods: which one the proxy meant is unknowable.
            let twice = ["Cookie: \(cookie)", "X-Forwarded-Uri: /public/x", "X-Forwarded-Uri: /admin/x", "X-Forwarded-Method: GET"]
            #expect(try await RawHTTP.get(port: port, "/sso/auth", headers: twice).status == 403)
            #expect(try await RawHTTP.get(port: port, "/sso/auth", headers: asGET + ["X-Forwarded-Method: POST"]).status == 403)
        }
    }

    @Test func forwardAuthWithoutRulesStillAnswersWithoutAURI() async throws {
        try await TestGatehouse.with(extraYAML: SignInFlowTests.yaml()) { gatehouse in
            await gatehouse.application.metadataService.refreshDue()
            try await gatehouse.application.store.createUser(
                StoredUser(tenantID: "acme", userName: "alice@acme.com", email: "alice@acme.com", role: "DEVELOPER", createdAt: Date()))
            let cookie = try await SignedInProxyTests.signIn(gatehouse)
            #expect(try await RawHTTP.get(port: gatehouse.ports.proxy, "/sso/auth", headers: ["Cookie: \(cookie)"]).status == 200)
        }
    }
}
