import Foundation
import GatehouseSCIM
import Testing

/// A group member must be a user of the same tenant. An id that is nobody's and an id of another
/// tenant's user get the same answer, byte for byte, in every way a member is added (POST, PUT,
/// PATCH in Okta's and Entra's shapes); nothing is written; removing or filtering on such an id
/// tells nothing either.
@Suite struct SCIMGroupMemberTests {
    static let patchOp = #""schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]"#

    @Test func aMemberThatIsNoUserOfTheTenantIsRefusedTheSameWayWhateverItIs() async throws {
        try await SCIMOktaSequenceTests.with { gatehouse, scim in
            let other = SCIMClient(port: scim.port, token: "other-tenant-token-0123", base: "/scim/v2/other")
            let foreignUser = try await other.post("/Users", SCIMOktaSequenceTests.oktaUser("eve@other.com"))
            #expect(foreignUser.status == 201)
            let foreignGroup = try await other.post("/Groups", #"{"displayName":"Other's group"}"#)
            #expect(foreignGroup.status == 201)
            let alice = try await scim.post("/Users", SCIMOktaSequenceTests.oktaUser("alice@acme.com")).id
            let group = try await scim.post("/Groups", #"{"displayName":"Engineering","members":[{"value":"\#(alice)"}]}"#)
            #expect(group.status == 201)
            let before = try await scim.get("/Groups/\(group.id)")

            let nobody = UUID().uuidString.lowercased()
            let requests: [(String, String, @Sendable (String) -> String)] = [
                ("POST", "/Groups", { #"{"displayName":"New","members":[{"value":"\#(alice)"},{"value":"\#($0)"}]}"# }),
                ("PUT", "/Groups/\(group.id)", { #"{"displayName":"Engineering","members":[{"value":"\#(alice)"},{"value":"\#($0)"}]}"# }),
                // Okta: add with display; Entra: add a value list; a path-less add; a replace.
                (
                    "PATCH", "/Groups/\(group.id)",
                    { #"{\#(Self.patchOp),"Operations":[{"op":"add","path":"members","value":[{"value":"\#($0)","display":"x"}]}]}"# }
                ),
                (
                    "PATCH", "/Groups/\(group.id)",
                    { #"{\#(Self.patchOp),"Operations":[{"op":"Add","path":"members","value":[{"value":"\#(alice)"},{"value":"\#($0)"}]}]}"# }
                ),
                ("PATCH", "/Groups/\(group.id)", { #"{\#(Self.patchOp),"Operations":[{"op":"add","value":{"members":[{"value":"\#($0)"}]}}]}"# }),
                (
                    "PATCH", "/Groups/\(group.id)",
                    { #"{\#(Self.patchOp),"Operations":[{"op":"replace","path":"members","value":[{"value":"\#($0)"}]}]}"# }
                ),
            ]
            for (method, target, body) in requests {
                let foreign = try await scim.send(method, target, body(foreignUser.id))
                let unknown = try await scim.send(method, target, body(nobody))
                #expect(foreign.status == 400 && foreign["scimType"] as? String == "invalidValue", "\(method) \(target): \(foreign.body)")
                #expect(foreign.body == unknown.body, "\(method) \(target): another tenant's user is told apart from nobody")
                let headers = { (reply: SCIMReply) in
                    reply.raw.headers.filter { !["date", "x-request-id"].contains($0.name.lowercased()) }.map { "\($0.name): \($0.value)" }
                }
                #expect(headers(foreign) == headers(unknown))
            }
            // Nothing changed: no group made, the group as it was, the other tenant's user in no group.
            #expect(try await scim.get("/Groups?count=0")["totalResults"] as? Int == 1)
            #expect(try await scim.get("/Groups/\(group.id)").body == before.body)
            #expect(try await gatehouse.application.store.group(tenantID: "acme", id: group.id)?.memberIDs == [alice])
            let eve = try await other.get("/Users/\(foreignUser.id)")
            #expect(eve["groups"] == nil)

            // Removing or filtering on such an id: the same answers as for nobody.
            for id in [foreignUser.id, nobody] {
                let remove = #"{\#(Self.patchOp),"Operations":[{"op":"remove","path":"members[value eq \"\#(id)\"]"}]}"#
                let removed = try await scim.patch("/Groups/\(group.id)", remove)
                #expect(removed.status == 200)
                #expect((removed["members"] as? [[String: Any]])?.compactMap { $0["value"] as? String } == [alice])
                let filtered = try await scim.get("/Groups?filter=\(SCIMClient.query(#"members[value eq "\#(id)"]"#))")
                #expect(filtered["totalResults"] as? Int == 0)
                #expect(try await scim.get("/Users/\(id)").status == 404)
            }
            #expect(try await scim.get("/Groups/\(foreignGroup.id)").status == 404)
            #expect(
                try await scim.patch(
                    "/Groups/\(foreignGroup.id)", #"{\#(Self.patchOp),"Operations":[{"op":"add","path":"members","value":[{"value":"\#(alice)"}]}]}"#
                ).status == 404)
            #expect(try await other.get("/Groups/\(foreignGroup.id)")["members"] == nil)
        }
    }
}
