import Foundation
import GatehouseSCIM
import Testing

/// What SCIM changes do to people who are signed in: deactivation and deletion end every session
/// before the response is sent, a new role is on the very next request (header and JWT); users
/// made before SCIM are adopted where the tenant allows it; parallel creates stay consistent.
@Suite struct SCIMAccessTests {
    static let patchOp = #""schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]"#

    static func patch(_ operations: String) -> String { "{\(patchOp),\"Operations\":[\(operations)]}" }

    static func jwtRole(_ response: RawResponse) throws -> String? {
        let token = try #require(try response.upstreamHeader("X-Gatehouse-Jwt-Assertion").first)
        var payload = String(token.split(separator: ".")[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while payload.count % 4 != 0 { payload += "=" }
        let claims = try JSONSerialization.jsonObject(with: try #require(Data(base64Encoded: payload))) as? [String: Any]
        return claims?["role"] as? String
    }

    @Test func deactivationCutsAccessAndARoleChangeIsOnTheNextRequest() async throws {
        try await SCIMOktaSequenceTests.with { gatehouse, scim in
            await gatehouse.application.metadataService.refreshDue()
            let port = gatehouse.ports.proxy
            let id = try await scim.post("/Users", SCIMOktaSequenceTests.oktaUser("alice@acme.com")).id
            let cookie = try await SignedInProxyTests.signIn(gatehouse)
            let first = try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: \(cookie)"])
            #expect(first.status == 200)
            #expect(try first.upstreamHeader("X-Forwarded-Role") == ["ANALYST"])
            #expect(try Self.jwtRole(first) == "ANALYST")

            // Role change: the next request carries it, in the header and in the JWT.
            let promoted = try await scim.patch("/Users/\(id)", Self.patch(#"{"op":"replace","path":"role","value":"ADMINISTRATOR"}"#))
            #expect(promoted.status == 200)
            let second = try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: \(cookie)"])
            #expect(try second.upstreamHeader("X-Forwarded-Role") == ["ADMINISTRATOR"])
            #expect(try Self.jwtRole(second) == "ADMINISTRATOR")

            // Deactivation: by the time the PATCH is answered, the session is gone everywhere.
            let deactivated = try await scim.patch("/Users/\(id)", Self.patch(#"{"op":"replace","value":{"active":false}}"#))
            #expect(deactivated.status == 200)
            #expect(try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: \(cookie)"]).status == 302)
            #expect(try await gatehouse.application.store.deleteSessions(userID: id) == 0)
            // Reactivation does not bring the old session back.
            #expect(try await scim.patch("/Users/\(id)", Self.patch(#"{"op":"replace","value":{"active":true}}"#)).status == 200)
            #expect(try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: \(cookie)"]).status == 302)

            // Deletion after a fresh sign-in ends that session too.
            let again = try await SignedInProxyTests.signIn(gatehouse)
            #expect(try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: \(again)"]).status == 200)
            #expect(try await scim.delete("/Users/\(id)").status == 204)
            #expect(try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: \(again)"]).status == 302)
        }
    }

    @Test func putWithActiveFalseAlsoEndsSessions() async throws {
        try await SCIMOktaSequenceTests.with { gatehouse, scim in
            await gatehouse.application.metadataService.refreshDue()
            let id = try await scim.post("/Users", SCIMOktaSequenceTests.oktaUser("alice@acme.com")).id
            let cookie = try await SignedInProxyTests.signIn(gatehouse)
            #expect(try await RawHTTP.get(port: gatehouse.ports.proxy, "/echo", headers: ["Cookie: \(cookie)"]).status == 200)
            let put = try await scim.put("/Users/\(id)", SCIMOktaSequenceTests.oktaUser("alice@acme.com", active: false))
            #expect(put.status == 200)
            #expect(try await RawHTTP.get(port: gatehouse.ports.proxy, "/echo", headers: ["Cookie: \(cookie)"]).status == 302)
        }
    }

    @Test func preSCIMUsersAreAdoptedOnlyWhereTheTenantAllowsIt() async throws {
        let existing = StoredUser(
            tenantID: "acme", userName: "alice@acme.com", email: "alice@acme.com", role: "DEVELOPER", createdAt: Date(), source: "jit")
        try await SCIMOktaSequenceTests.with(adopt: false) { gatehouse, scim in
            try await gatehouse.application.store.createUser(existing)
            let refused = try await scim.post("/Users", SCIMOktaSequenceTests.oktaUser("Alice@acme.com"))
            #expect(refused.status == 409)
            #expect(refused["scimType"] as? String == "uniqueness")
        }
        try await SCIMOktaSequenceTests.with(adopt: true) { gatehouse, scim in
            await gatehouse.application.metadataService.refreshDue()
            try await gatehouse.application.store.createUser(existing)
            let cookie = try await SignedInProxyTests.signIn(gatehouse)
            let adopted = try await scim.post("/Users", SCIMOktaSequenceTests.oktaUser("Alice@acme.com", role: "MANAGER"))
            #expect(adopted.status == 201)
            #expect(adopted.id == existing.id)  // the same person: same id upstream, same sessions
            #expect(adopted["userName"] as? String == "Alice@acme.com")
            let stored = try #require(try await gatehouse.application.store.user(id: existing.id))
            #expect(stored.source == "scim")
            #expect(stored.role == "MANAGER")
            let signedIn = try await RawHTTP.get(port: gatehouse.ports.proxy, "/echo", headers: ["Cookie: \(cookie)"])
            #expect(try signedIn.upstreamHeader("X-Forwarded-Role") == ["MANAGER"])
            // Once SCIM owns the user, a second create is a conflict again.
            #expect(try await scim.post("/Users", SCIMOktaSequenceTests.oktaUser("alice@acme.com")).status == 409)
            let audit = try await gatehouse.application.store.auditEntries(tenantID: "acme", after: 0, limit: 10)
            #expect(audit.map(\.operation) == ["adopt"])
        }
    }

    @Test func parallelCreatesStayConsistent() async throws {
        try await SCIMOktaSequenceTests.with { gatehouse, scim in
            let distinct = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<100 {
                    group.addTask { try await scim.post("/Users", SCIMOktaSequenceTests.oktaUser("user\(index)@acme.com")).status }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(distinct.filter { $0 == 201 }.count == 100)
            let same = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<100 {
                    group.addTask {
                        // The same userName in different cases.
                        try await scim.post("/Users", SCIMOktaSequenceTests.oktaUser(index % 2 == 0 ? "same@acme.com" : "SAME@acme.com")).status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(same.filter { $0 == 201 }.count == 1)
            #expect(same.filter { $0 == 409 }.count == 99)
            #expect(try await scim.get("/Users?count=0")["totalResults"] as? Int == 101)
            #expect(try await gatehouse.application.store.auditEntries(tenantID: "acme", after: 0, limit: 1_000).count == 101)
        }
    }
}
