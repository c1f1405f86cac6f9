import Foundation
import GatehouseSCIM
import Testing

/// The store stops answering (here: closed, which every backend answers at once with
/// `store.unavailable`): whatever needs it fails closed with a readable 503, whatever does not
/// keeps working. `tests/store/postgres_faults_test.py` does the same with PostgreSQL stopped.
@Suite struct StoreUnavailableTests {
    @Test func whatNeedsTheStoreIsA503AndPublicPathsStillWork() async throws {
        try await TestGatehouse.with(extraYAML: SignInFlowTests.yaml() + SignedInProxyTests.rulesYAML + "public_paths: [\"^/public/\"]\n") {
            gatehouse in
            await gatehouse.application.metadataService.refreshDue()
            let alice = StoredUser(tenantID: "acme", userName: "alice@acme.com", email: "alice@acme.com", role: "ANALYST", createdAt: Date())
            try await gatehouse.application.store.createUser(alice)
            let cookie = try await SignedInProxyTests.signIn(gatehouse)
            let port = gatehouse.ports.proxy
            try await gatehouse.application.store.close()
            // Let a cached answer age out: the cache may hold the session for its recheck interval.
            gatehouse.application.forgetSessions(userID: alice.id)

            let page = try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: \(cookie)"])
            #expect(page.status == 503)
            #expect(page.body.contains("Sign-in cannot be checked right now"))
            #expect(page.header("Location") == nil)
            let api = try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: \(cookie)", "Accept: application/json"])
            #expect(api.status == 503 && api.body.contains(#""error":"sessions_unavailable""#))

            // Forward-auth and userinfo: "cannot tell", never a 401 that nginx turns into a sign-in.
            for path in ["/sso/auth", "/sso/userinfo"] {
                let answer = try await RawHTTP.get(port: port, path, headers: ["Cookie: \(cookie)"])
                #expect(answer.status == 503, "\(path)")
                #expect(answer.header("Retry-After") == "1" && answer.body.contains(#""error":"sessions_unavailable""#), "\(path)")
            }
            // Without a cookie there is nothing to check: still a plain 401.
            #expect(try await RawHTTP.get(port: port, "/sso/auth").status == 401)

            // A new sign-in cannot be finished: a page that says so, not a stack trace or "your IdP refused".
            let acs = try await SignInFlowTests.postResponse(port, email: "alice@acme.com", inResponseTo: nil, relayState: nil, cookies: [])
            #expect(acs.status == 503)
            #expect(!acs.body.contains("Error(") && !acs.body.contains("store.unavailable"))

            let publicPage = try await RawHTTP.get(port: port, "/public/echo")
            #expect(publicPage.status == 200)
            #expect(try await RawHTTP.get(port: gatehouse.ports.admin, "/healthz").status == 200)
            #expect(try await RawHTTP.get(port: gatehouse.ports.admin, "/readyz").status == 503)
        }
    }
}
