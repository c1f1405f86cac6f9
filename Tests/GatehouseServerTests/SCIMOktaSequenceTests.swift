import Foundation
import GatehouseSCIM
import Testing

/// Okta's SCIM 2.0 requests, replayed as Okta sends them (bodies from Okta's SCIM guide, with the
/// dashboard role as a top-level `role`): test connection, create (filter then POST), profile
/// update (GET then PUT of what was read), deactivate and reactivate (PATCH and PUT), and the
/// group push sequence.
@Suite struct SCIMOktaSequenceTests {
    static let token = "okta-scim-token-0123456789"
    static func yaml(adopt: Bool = false) -> String {
        """
        session:
          secret: "0123456789abcdef0123456789abcdef-test"
        tenants:
          - id: acme
            email_domains: [acme.com]
            idp_metadata_file: \(PythonIdP.fixture("okta-metadata.xml"))
            scim_token_sha256: ["\(SCIMBearerToken.hash(token))"]
            scim_adopt_existing: \(adopt)
          - id: other
            email_domains: [other.com]
            scim_token_sha256: ["\(SCIMBearerToken.hash("other-tenant-token-0123"))"]

        """
    }

    static func with(adopt: Bool = false, _ body: (TestGatehouse, SCIMClient) async throws -> Void) async throws {
        try await TestGatehouse.with(extraYAML: yaml(adopt: adopt)) { gatehouse in
            try await body(gatehouse, SCIMClient(port: gatehouse.ports.proxy, token: token))
        }
    }

    static func oktaUser(_ userName: String, role: String = "ANALYST", active: Bool = true) -> String {
        """
        {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"\(userName)","name":{"givenName":"Test","familyName":"User"},\
        "emails":[{"primary":true,"value":"\(userName)","type":"work"}],"displayName":"Test User","locale":"en-US",\
        "externalId":"00ujl29u0le5T6Aj10h7","groups":[],"password":"1mz050nq","active":\(active),"role":"\(role)"}
        """
    }

    @Test func testConnectionCreateUpdateDeactivateReactivate() async throws {
        try await Self.with { gatehouse, scim in
            // Test connection.
            let probe = try await scim.get("/Users?startIndex=1&count=2")
            #expect(probe.status == 200)
            #expect(probe.raw.header("Content-Type") == "application/scim+json")
            #expect(probe["totalResults"] as? Int == 0)
            #expect(probe["startIndex"] as? Int == 1)
            #expect(probe.raw.body.contains(#""totalResults":0"#))  // an integer, not "0"

            // Create: lookup by userName, then POST.
            let lookup = try await scim.get("/Users?filter=\(SCIMClient.query(#"userName eq "Test.User@Acme.com""#))&startIndex=1&count=100")
            #expect(lookup.status == 200)
            #expect(lookup["totalResults"] as? Int == 0)
            let created = try await scim.post("/Users", Self.oktaUser("Test.User@Acme.com"))
            #expect(created.status == 201)
            #expect(created["userName"] as? String == "Test.User@Acme.com")  // echoed exactly as sent
            #expect(created["role"] as? String == "ANALYST")
            #expect(created["active"] as? Bool == true)
            #expect(created["password"] == nil)
            #expect(created["externalId"] as? String == "00ujl29u0le5T6Aj10h7")
            #expect((created["name"] as? [String: Any])?["givenName"] as? String == "Test")
            let meta = try #require(created["meta"] as? [String: Any])
            #expect(meta["resourceType"] as? String == "User")
            #expect(meta["location"] as? String == "http://127.0.0.1:8080/scim/v2/acme/Users/\(created.id)")
            #expect(meta["version"] as? String == created.etag)
            #expect(created.raw.header("Location") == meta["location"] as? String)
            #expect(!created.raw.body.contains("1mz050nq"))
            // The password was never stored anywhere.
            let stored = try #require(try await gatehouse.application.store.user(id: created.id))
            #expect(stored.document?.contains("1mz050nq") == false)
            #expect(stored.source == "scim")

            // The same lookup now finds the user, ignoring case.
            let found = try await scim.get("/Users?filter=\(SCIMClient.query(#"userName eq "test.user@acme.com""#))&startIndex=1&count=100")
            #expect(found["totalResults"] as? Int == 1)
            #expect(found.resources.first?["id"] as? String == created.id)
            // A second create of the same userName, in any case: 409 uniqueness.
            let duplicate = try await scim.post("/Users", Self.oktaUser("TEST.USER@acme.com"))
            #expect(duplicate.status == 409)
            #expect(duplicate["scimType"] as? String == "uniqueness")
            #expect(duplicate["status"] as? String == "409")

            // Profile update: GET, then PUT the whole object read (with id, meta, groups), changed.
            let read = try await scim.get("/Users/\(created.id)")
            #expect(read.status == 200)
            let changed = read.body.replacingOccurrences(of: #""familyName":"User""#, with: #""familyName":"Renamed""#)
                .replacingOccurrences(of: #""role":"ANALYST""#, with: #""role":"MANAGER""#)
            #expect(changed != read.body)
            let put = try await scim.put("/Users/\(created.id)", changed)
            #expect(put.status == 200)
            #expect((put["name"] as? [String: Any])?["familyName"] as? String == "Renamed")
            #expect(put["role"] as? String == "MANAGER")
            #expect(put["id"] as? String == created.id)
            #expect(put.etag != created.etag)

            // Deactivate with PATCH; the user still GETs, as inactive.
            let deactivate =
                #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}"#
            let patched = try await scim.patch("/Users/\(created.id)", deactivate)
            #expect(patched.status == 200)
            #expect(patched["active"] as? Bool == false)
            let inactive = try await scim.get("/Users/\(created.id)")
            #expect(inactive.status == 200)
            #expect(inactive["active"] as? Bool == false)
            // Reactivate with PATCH, deactivate and reactivate with PUT.
            let reactivate = deactivate.replacingOccurrences(of: "false", with: "true")
            #expect(try await scim.patch("/Users/\(created.id)", reactivate)["active"] as? Bool == true)
            let putInactive = try await scim.put("/Users/\(created.id)", Self.oktaUser("Test.User@Acme.com", role: "MANAGER", active: false))
            #expect(putInactive.status == 200)
            #expect(putInactive["active"] as? Bool == false)
            #expect(try await gatehouse.application.store.user(id: created.id)?.active == false)
            let putActive = try await scim.put("/Users/\(created.id)", Self.oktaUser("Test.User@Acme.com", role: "MANAGER", active: true))
            #expect(putActive["active"] as? Bool == true)

            // Every change is in the audit log, attributed to the token, without the password.
            let audit = try await gatehouse.application.store.auditEntries(tenantID: "acme", after: 0, limit: 100)
            #expect(audit.map(\.operation) == ["create", "replace", "patch", "patch", "replace", "replace"])
            #expect(audit.allSatisfy { $0.actor == "scim-token:\(SCIMBearerToken.hash(Self.token).prefix(12))" && $0.resourceID == created.id })
            #expect(audit[0].attributes.contains("password") && audit[0].attributes.contains("role"))
            #expect(audit[1].attributes == ["name", "role"])
            #expect(audit[2].attributes == ["active"])
        }
    }

    @Test func groupPushSequence() async throws {
        try await Self.with { gatehouse, scim in
            let alice = try await scim.post("/Users", Self.oktaUser("alice@acme.com")).id
            let bob = try await scim.post("/Users", Self.oktaUser("bob@acme.com")).id
            let lookup = try await scim.get("/Groups?filter=\(SCIMClient.query(#"displayName eq "Test SCIMv2""#))&startIndex=1&count=100")
            #expect(lookup.status == 200)
            #expect(lookup["totalResults"] as? Int == 0)
            let created = try await scim.post(
                "/Groups", #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Test SCIMv2","members":[]}"#)
            #expect(created.status == 201)
            #expect(created["displayName"] as? String == "Test SCIMv2")
            let group = created.id
            // Found by displayName, ignoring case.
            let found = try await scim.get("/Groups?filter=\(SCIMClient.query(#"displayName eq "test scimv2""#))&startIndex=1&count=100")
            #expect(found.resources.first?["id"] as? String == group)

            // Rename (Okta sends the id along in the value).
            let rename = """
                {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"id":"\(group)","displayName":"Renamed SCIMv2"}}]}
                """
            let renamed = try await scim.patch("/Groups/\(group)", rename)
            #expect(renamed.status == 200)
            #expect(renamed["displayName"] as? String == "Renamed SCIMv2")
            #expect(renamed["id"] as? String == group)

            // Membership: add two, remove one with a value filter.
            let add = """
                {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"\(alice)","display":"alice@acme.com"},{"value":"\(bob)","display":"bob@acme.com"}]}]}
                """
            let added = try await scim.patch("/Groups/\(group)", add)
            #expect(added.status == 200)
            #expect((added["members"] as? [[String: Any]])?.compactMap { $0["value"] as? String } == [alice, bob])
            let aliceRead = try await scim.get("/Users/\(alice)")
            #expect((aliceRead["groups"] as? [[String: Any]])?.first?["value"] as? String == group)
            #expect((aliceRead["groups"] as? [[String: Any]])?.first?["display"] as? String == "Renamed SCIMv2")
            let remove = """
                {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \\"\(bob)\\"]"}]}
                """
            let removed = try await scim.patch("/Groups/\(group)", remove)
            #expect((removed["members"] as? [[String: Any]])?.compactMap { $0["value"] as? String } == [alice])
            // Filter groups by member.
            let byMember = try await scim.get("/Groups?filter=\(SCIMClient.query("members[value eq \"\(alice)\"]"))")
            #expect(byMember["totalResults"] as? Int == 1)
            // A member from nowhere is refused.
            let stranger = try await scim.patch(
                "/Groups/\(group)",
                #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"nobody"}]}]}"#
            )
            #expect(stranger.status == 400)
            #expect(stranger["scimType"] as? String == "invalidValue")

            // PUT of the whole group: new name, members replaced.
            let put = try await scim.put(
                "/Groups/\(group)",
                """
                {"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"\(group)","displayName":"Put SCIMv2","members":[{"value":"\(bob)","display":"bob@acme.com"}]}
                """)
            #expect(put.status == 200)
            #expect(put["displayName"] as? String == "Put SCIMv2")
            #expect((put["members"] as? [[String: Any]])?.compactMap { $0["value"] as? String } == [bob])

            // Delete: 204, then 404; the users stay, without the group.
            let deleted = try await scim.delete("/Groups/\(group)")
            #expect(deleted.status == 204)
            #expect(try await scim.get("/Groups/\(group)").status == 404)
            #expect(try await scim.get("/Users/\(bob)")["groups"] == nil)
            #expect(
                try await gatehouse.application.store.auditEntries(tenantID: "acme", after: 0, limit: 100).filter { $0.resourceType == "Group" }
                    .map(\.operation) == ["create", "patch", "patch", "patch", "replace", "delete"])
        }
    }

    @Test func tenantsNeverSeeEachOthersUsers() async throws {
        try await Self.with { _, scim in
            let created = try await scim.post("/Users", Self.oktaUser("alice@acme.com"))
            var other = SCIMClient(port: scim.port, token: "other-tenant-token-0123")
            other.base = "/scim/v2/other"
            #expect(try await other.get("/Users/\(created.id)").status == 404)
            #expect(try await other.get("/Users")["totalResults"] as? Int == 0)
            #expect(try await other.delete("/Users/\(created.id)").status == 404)
            #expect(try await other.put("/Users/\(created.id)", Self.oktaUser("alice@acme.com")).status == 404)
            // The same userName is free in another tenant.
            #expect(try await other.post("/Users", Self.oktaUser("alice@acme.com")).status == 201)
            // Tenant other's token on tenant acme's URL: 404, nothing leaks.
            var crossed = other
            crossed.base = "/scim/v2/acme"
            #expect(try await crossed.get("/Users/\(created.id)").status == 404)
            #expect(try await scim.get("/Users/\(created.id)").status == 200)
        }
    }

    @Test func rolesAreRequiredAndCanonical() async throws {
        try await Self.with { _, scim in
            let missing = try await scim.post("/Users", Self.oktaUser("a@acme.com").replacingOccurrences(of: #","role":"ANALYST""#, with: ""))
            #expect(missing.status == 400)
            #expect(missing["scimType"] as? String == "invalidValue")
            let wrong = try await scim.post("/Users", Self.oktaUser("a@acme.com", role: "SUPERUSER"))
            #expect(wrong.status == 400)
            #expect(wrong["scimType"] as? String == "invalidValue")
            let lower = try await scim.post("/Users", Self.oktaUser("a@acme.com", role: "analyst"))
            #expect(lower.status == 400)
            let created = try await scim.post("/Users", Self.oktaUser("a@acme.com", role: "SUPPORT_SPECIALIST"))
            #expect(created.status == 201)
            let bad = try await scim.patch(
                "/Users/\(created.id)",
                #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"role","value":"ROOT"}]}"#)
            #expect(bad.status == 400)
            #expect(try await scim.get("/Users/\(created.id)")["role"] as? String == "SUPPORT_SPECIALIST")
        }
    }

    @Test func ifMatchGuardsAgainstLostUpdates() async throws {
        try await Self.with { _, scim in
            let created = try await scim.post("/Users", Self.oktaUser("a@acme.com"))
            let etag = try #require(created.etag)
            #expect(etag.hasPrefix("W/\""))
            let patch =
                #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"X"}]}"#
            let first = try await scim.patch("/Users/\(created.id)", patch, headers: ["If-Match: \(etag)"])
            #expect(first.status == 200)
            let stale = try await scim.patch("/Users/\(created.id)", patch, headers: ["If-Match: \(etag)"])
            #expect(stale.status == 412)
            #expect(stale["status"] as? String == "412")
            #expect(try await scim.delete("/Users/\(created.id)", headers: ["If-Match: \(etag)"]).status == 412)
            #expect(try await scim.put("/Users/\(created.id)", Self.oktaUser("a@acme.com"), headers: ["If-Match: *"]).status == 200)
        }
    }

    @Test func attributesAndExcludedAttributes() async throws {
        try await Self.with { _, scim in
            let created = try await scim.post("/Users", Self.oktaUser("a@acme.com"))
            let only = try await scim.get("/Users/\(created.id)?attributes=userName,name.givenName")
            #expect(Set(only.json.keys) == ["id", "schemas", "userName", "name"])
            #expect(only["name"] as? [String: String] == ["givenName": "Test"])
            let without = try await scim.get("/Users?excludedAttributes=emails,name.familyName")
            let resource = try #require(without.resources.first)
            #expect(resource["emails"] == nil)
            #expect(resource["userName"] != nil)
            #expect(resource["name"] as? [String: String] == ["givenName": "Test"])
            let search = try await scim.post(
                "/Users/.search",
                #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"attributes":["userName"],"filter":"userName sw \"a@\"","startIndex":1,"count":10}"#
            )
            #expect(search.status == 200)
            #expect(search["totalResults"] as? Int == 1)
            #expect(Set(search.resources.first?.keys.map { $0 } ?? []) == ["id", "schemas", "userName"])
        }
    }

    @Test func pagingIsStableWithIntegerCounters() async throws {
        try await Self.with { _, scim in
            var ids: [String] = []
            for index in 0..<7 { ids.append(try await scim.post("/Users", Self.oktaUser("user\(index)@acme.com")).id) }
            var seen: [String] = []
            var start = 1
            while true {
                let page = try await scim.get("/Users?startIndex=\(start)&count=3")
                #expect(page["totalResults"] as? Int == 7)
                #expect(page["startIndex"] as? Int == start)
                let items = page.resources.compactMap { $0["id"] as? String }
                #expect(page["itemsPerPage"] as? Int == items.count)
                if items.isEmpty { break }
                seen += items
                start += 3
            }
            #expect(seen == ids)
            let counted = try await scim.get("/Users?count=0")
            #expect(counted["totalResults"] as? Int == 7)
            #expect(counted.resources.isEmpty)
            let broken = try await scim.get("/Users?filter=\(SCIMClient.query("userName eq"))")
            #expect(broken.status == 400)
            #expect(broken["scimType"] as? String == "invalidFilter")
            #expect(try await scim.get("/Users?startIndex=abc").status == 400)
        }
    }

    @Test func methodsAndPathsAreSCIMShaped() async throws {
        try await Self.with { _, scim in
            let wrong = try await scim.send("PATCH", "/Users")
            #expect(wrong.status == 405)
            #expect(wrong["schemas"] as? [String] == [SCIMError.schema])
            #expect(try await scim.get("/Users/nope").status == 404)
            #expect(try await scim.get("/Users/a/b").status == 404)
            // Plain application/json is accepted too.
            let body = Self.oktaUser("json@acme.com")
            let plain = try await RawHTTP.exchange(
                port: scim.port,
                [
                    "POST /scim/v2/acme/Users HTTP/1.1", "Host: x", "Authorization: Bearer \(Self.token)", "Content-Type: application/json",
                    "Content-Length: \(body.utf8.count)", "Connection: close", "", body,
                ].joined(separator: "\r\n"))
            #expect(plain.status == 201)
            #expect(plain.header("Content-Type") == "application/scim+json")
            let garbage = try await scim.post("/Users", "{not json")
            #expect(garbage.status == 400)
            #expect(garbage["scimType"] as? String == "invalidSyntax")
        }
    }
}
