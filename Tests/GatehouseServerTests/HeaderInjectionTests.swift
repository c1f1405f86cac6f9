import Foundation
import GatehouseSCIM
import GatehouseStore
import Testing

/// A stored value with CR LF (written before SCIM refused them, or by hand) must never become a
/// header of its own upstream, nor a second request on a pooled connection.
@Suite struct HeaderInjectionTests {
    /// Named, not passed as arguments: a raw CR or NUL in a test's argument confuses the test
    /// runner's own output.
    static let emails = [
        "CR LF": "alice@acme.com\r\nX-Injected: yes", "LF": "alice@acme.com\nX-Injected: yes", "NUL": "alice@acme.com\u{0}X-Injected",
    ]

    @Test(arguments: ["CR LF", "LF", "NUL"])
    func aControlCharacterInAStoredValueNeverReachesTheUpstream(name: String) async throws {
        let email = try #require(Self.emails[name])
        try await TestGatehouse.with(extraYAML: SignInFlowTests.yaml() + "public_paths: [\"^/public/\"]\n") { gatehouse in
            await gatehouse.application.metadataService.refreshDue()
            let user = StoredUser(tenantID: "acme", userName: "alice@acme.com", email: email, role: "ANALYST", createdAt: Date())
            if name == "NUL", TestStore.isPostgres {
                // PostgreSQL refuses a NUL in text outright: such a value cannot be stored at all.
                await #expect(throws: StoreError.self) { try await gatehouse.application.store.createUser(user) }
                return
            }
            try await gatehouse.application.store.createUser(user)
            let cookie = try await SignedInProxyTests.signIn(gatehouse)
            let response = try await RawHTTP.get(port: gatehouse.ports.proxy, "/echo", headers: ["Cookie: \(cookie)"])
            #expect(!response.raw.contains("X-Injected"))
            if name == "NUL" {
                // SQLite reads text up to a NUL: what is stored is the part before it, which is safe.
                #expect(try response.upstreamHeader("X-Forwarded-Email") == ["alice@acme.com"])
            } else {
                #expect(response.status == 502)
            }
            // The pool is not poisoned: the next request is answered on its own.
            let next = try await RawHTTP.get(port: gatehouse.ports.proxy, "/public/echo")
            #expect(next.status == 200)
            #expect(try next.upstreamHeader("X-Injected").isEmpty)
        }
    }
}
