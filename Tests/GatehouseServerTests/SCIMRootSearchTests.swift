import Foundation
import GatehouseSCIM
import Testing

/// `POST /.search` at the base URL (RFC 7644 §3.4.3): Users and Groups of this tenant only, each
/// with its own `schemas` and `meta.resourceType`; the filter per type (an attribute a type lacks
/// has no value there); paging across both; `attributes`; errors as at one type's endpoint.
@Suite struct SCIMRootSearchTests {
    static func ids(_ reply: SCIMReply) -> [String] { reply.resources.compactMap { $0["id"] as? String } }

    @Test func searchesUsersAndGroupsOfTheTenant() async throws {
        try await SCIMOktaSequenceTests.with { _, scim in
            let other = SCIMClient(port: scim.port, token: "other-tenant-token-0123", base: "/scim/v2/other")
            #expect(try await other.post("/Users", SCIMOktaSequenceTests.oktaUser("alice@other.com")).status == 201)
            #expect(try await other.post("/Groups", #"{"displayName":"alice"}"#).status == 201)
            let alice = try await scim.post("/Users", SCIMOktaSequenceTests.oktaUser("alice@acme.com")).id
            let bob = try await scim.post("/Users", SCIMOktaSequenceTests.oktaUser("bob@acme.com", role: "MANAGER")).id
            let admins = try await scim.post("/Groups", #"{"displayName":"Admins","members":[{"value":"\#(alice)"}]}"#).id
            let alicesGroup = try await scim.post("/Groups", #"{"displayName":"alice","externalId":"g-1"}"#).id

            let all = try await scim.post("/.search", #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}"#)
            #expect(all.status == 200)
            #expect(all.raw.header("Content-Type") == "application/scim+json")
            #expect(all["schemas"] as? [String] == [SCIMDiscovery.listSchema])
            #expect(all["totalResults"] as? Int == 4)
            #expect(Self.ids(all) == [alice, bob, admins, alicesGroup])
            let types = all.resources.map { ($0["meta"] as? [String: Any])?["resourceType"] as? String }
            #expect(types == ["User", "User", "Group", "Group"])
            #expect(
                all.resources.map { ($0["schemas"] as? [String])?.first } == [
                    SCIMDiscovery.userSchema, SCIMDiscovery.userSchema, SCIMDiscovery.groupSchema, SCIMDiscovery.groupSchema,
                ])
            #expect(all.resources.last?["displayName"] as? String == "alice")

            // The filter, per type: userName is no Group attribute; displayName is both types'.
            for (filter, expected) in [
                (#"userName sw "alice""#, [alice]), (#"displayName eq "alice""#, [alicesGroup]),
                (#"userName eq "bob@acme.com" or displayName eq "Admins""#, [bob, admins]),
                (#"meta.resourceType eq "Group""#, [admins, alicesGroup]), (#"members[value eq "\#(alice)"]"#, [admins]),
                (#"groups.value eq "\#(admins)""#, [alice]), (#"emails[type eq "work"].value eq "BOB@acme.com""#, [bob]),
                (#"userName ne "alice@acme.com""#, [bob, admins, alicesGroup]), (#"externalId eq "g-1""#, [alicesGroup]),
                (#"not (role pr)"#, [admins, alicesGroup]), (#"role eq "MANAGER" and displayName pr"#, [bob]),
                (#"schemas eq "urn:ietf:params:scim:schemas:core:2.0:Group""#, [admins, alicesGroup]),
            ] {
                let body = String(decoding: try JSONSerialization.data(withJSONObject: ["filter": filter]), as: UTF8.self)
                let found = try await scim.post("/.search", body)
                #expect(Self.ids(found) == expected, "\(filter): \(found.body.prefix(400))")
                #expect(found["totalResults"] as? Int == expected.count, "\(filter)")
            }

            // Paging runs across both types.
            for (start, count, expected) in [
                (1, 1, [alice]), (2, 2, [bob, admins]), (3, 5, [admins, alicesGroup]), (4, 1, [alicesGroup]), (5, 3, []), (1, 0, []),
            ] {
                let page = try await scim.post("/.search", #"{"startIndex":\#(start),"count":\#(count)}"#)
                #expect(Self.ids(page) == expected, "startIndex \(start) count \(count)")
                #expect(page["totalResults"] as? Int == 4)
                #expect(page["startIndex"] as? Int == start)
                #expect(page["itemsPerPage"] as? Int == expected.count)
            }

            // attributes and excludedAttributes apply to each resource.
            let some = try await scim.post("/.search", #"{"attributes":["displayName"],"filter":"displayName pr"}"#)
            #expect(Self.ids(some) == [alice, bob, admins, alicesGroup])
            #expect(some.resources.allSatisfy { $0["displayName"] != nil && $0["userName"] == nil && $0["members"] == nil })
            let without = try await scim.post("/.search", #"{"excludedAttributes":["members","emails"]}"#)
            #expect(without.resources.allSatisfy { $0["members"] == nil && $0["emails"] == nil })
            #expect(without.resources.first?["userName"] as? String == "alice@acme.com")

            // Errors as at one type's endpoint; only POST.
            let unknown = try await scim.post("/.search", #"{"filter":"nickNames eq \"x\""}"#)
            #expect(unknown.status == 400 && unknown["scimType"] as? String == "invalidFilter")
            #expect(try await scim.post("/.search", #"{"filter":"userName eq"}"#)["scimType"] as? String == "invalidFilter")
            #expect(try await scim.post("/.search", "[1]").status == 400)
            #expect(try await scim.post("/.search", "not json").status == 400)
            #expect(try await scim.get("/.search").status == 405)
            #expect(try await scim.send("PUT", "/.search", "{}").status == 405)
            let noToken = SCIMClient(port: scim.port, token: "wrong-token-000000000000")
            #expect(try await noToken.post("/.search", "{}").status == 401)
            // Another tenant's token gets 404 here as everywhere, and its own search sees its own.
            #expect(try await SCIMClient(port: scim.port, token: "other-tenant-token-0123").post("/.search", "{}").status == 404)
            #expect(try await other.post("/.search", "{}")["totalResults"] as? Int == 2)
        }
    }
}
