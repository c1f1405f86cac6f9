import Foundation
import GatehouseSCIM
import Testing

/// Entra ID's SCIM requests, as its provisioning service sends them (shapes from Microsoft's SCIM
/// validator and guide): the role as `roles`, `"True"`/`"False"` strings, capitalised ops, dotted
/// and URN keys in a path-less value, a filtered path that matches nothing, `manager` as a bare
/// string, group members removed by listing them in `value`.
@Suite struct SCIMEntraSequenceTests {
    static let patchOp = #""schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]"#
    static let enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

    static func entraUser(_ userName: String, role: String = "ANALYST") -> String {
        """
        {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","\(enterprise)"],\
        "externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef","userName":"\(userName)","active":true,\
        "emails":[{"primary":true,"type":"work","value":"\(userName)"}],"meta":{"resourceType":"User"},\
        "name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},\
        "roles":[{"primary":"True","type":"WindowsAzureActiveDirectoryRole","value":"\(role)"}],\
        "\(enterprise)":{"employeeNumber":"701984","department":"Sales","costCenter":"4130","customField":"kept as sent"}}
        """
    }

    @Test func createUpdateDisableWithEntrasShapes() async throws {
        try await SCIMOktaSequenceTests.with { gatehouse, scim in
            let lookup = try await scim.get("/Users?filter=\(SCIMClient.query(#"userName eq "Test_User_ab6490ee@contoso.com""#))")
            #expect(lookup["totalResults"] as? Int == 0)
            let created = try await scim.post("/Users", Self.entraUser("Test_User_ab6490ee@contoso.com"))
            #expect(created.status == 201)
            // The role arrives through roles; primary "True" is a boolean now.
            #expect(created["role"] as? String == "ANALYST")
            #expect((created["roles"] as? [[String: Any]])?.first?["primary"] as? Bool == true)
            let ext = try #require(created[Self.enterprise] as? [String: Any])
            #expect(ext["employeeNumber"] as? String == "701984")
            #expect(ext["customField"] as? String == "kept as sent")  // unknown attribute of a declared extension
            #expect((created["schemas"] as? [String])?.contains(Self.enterprise) == true)
            let id = created.id

            // Filtered path + dotted path, capitalised ops.
            let update = """
                {\(Self.patchOp),"Operations":[{"op":"Replace","path":"emails[type eq \\"work\\"].value","value":"updated@contoso.com"},\
                {"op":"Replace","path":"name.familyName","value":"updatedFamilyName"}]}
                """
            let updated = try await scim.patch("/Users/\(id)", update)
            #expect(updated.status == 200)
            #expect((updated["emails"] as? [[String: Any]])?.first?["value"] as? String == "updated@contoso.com")
            #expect((updated["name"] as? [String: Any])?["familyName"] as? String == "updatedFamilyName")
            #expect(try await gatehouse.application.store.user(id: id)?.email == "updated@contoso.com")

            // A filtered path that matches nothing creates the element.
            let phone = """
                {\(Self.patchOp),"Operations":[{"op":"Add","path":"phoneNumbers[type eq \\"mobile\\"].value","value":"+1 555 0100"}]}
                """
            let withPhone = try await scim.patch("/Users/\(id)", phone)
            #expect(withPhone.status == 200)
            #expect(withPhone["phoneNumbers"] as? [[String: String]] == [["type": "mobile", "value": "+1 555 0100"]])

            // No path: dotted and full-URN keys; manager as a bare string.
            let noPath = """
                {\(Self.patchOp),"Operations":[{"op":"Replace","value":{"name.givenName":"Newgiven","\(Self.enterprise):department":"Marketing",\
                "displayName":"New Display"}},{"op":"Add","path":"\(Self.enterprise):manager","value":"\(id)"}]}
                """
            let replaced = try await scim.patch("/Users/\(id)", noPath)
            #expect(replaced.status == 200)
            #expect((replaced["name"] as? [String: Any])?["givenName"] as? String == "Newgiven")
            #expect((replaced["name"] as? [String: Any])?["familyName"] as? String == "updatedFamilyName")
            let replacedExt = try #require(replaced[Self.enterprise] as? [String: Any])
            #expect(replacedExt["department"] as? String == "Marketing")
            #expect(replacedExt["employeeNumber"] as? String == "701984")
            #expect(replacedExt["manager"] as? [String: String] == ["value": id])
            #expect(replaced["displayName"] as? String == "New Display")

            // The role changes through roles.
            let role = """
                {\(Self.patchOp),"Operations":[{"op":"Replace","path":"roles","value":[{"primary":"True","type":"WindowsAzureActiveDirectoryRole","value":"MANAGER"}]}]}
                """
            let promoted = try await scim.patch("/Users/\(id)", role)
            #expect(promoted["role"] as? String == "MANAGER")
            #expect(try await gatehouse.application.store.user(id: id)?.role == "MANAGER")
            let badRole = role.replacingOccurrences(of: "MANAGER", with: "Global Administrator")
            #expect(try await scim.patch("/Users/\(id)", badRole).status == 400)

            // Disable: "False" as a string.
            let disable =
                #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}"#
            let disabled = try await scim.patch("/Users/\(id)", disable)
            #expect(disabled.status == 200)
            #expect(disabled["active"] as? Bool == false)
            let enable = disable.replacingOccurrences(of: "False", with: "True")
            #expect(try await scim.patch("/Users/\(id)", enable)["active"] as? Bool == true)

            // Entra's later lookups by id and by externalId.
            let byExternal = try await scim.get("/Users?filter=\(SCIMClient.query(#"externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef""#))")
            #expect(byExternal["totalResults"] as? Int == 1)
            // Entra's matching filter when the admin matches on the work email, spelt as Entra
            // sends it (spaces as `+`, brackets, quotes and `@` percent-encoded), and as others do.
            for target in [
                "/Users?filter=emails%5Btype+eq+%22work%22%5D.value+eq+%22UPDATED%40contoso.com%22",
                "/Users?filter=\(SCIMClient.query(#"emails[type eq "work"].value eq "UPDATED@contoso.com""#))",
                "/Users?filter=emails[type%20eq%20%22work%22].value%20eq%20%22updated@contoso.com%22",
            ] {
                let byEmail = try await scim.get(target)
                #expect(byEmail.status == 200, "\(target): \(byEmail.body)")
                #expect(byEmail["totalResults"] as? Int == 1, "\(target)")
                #expect(byEmail.resources.first?["id"] as? String == id, "\(target)")
            }
            // One element must be both: a home email's value does not match the work-email filter.
            let addHome = """
                {\(Self.patchOp),"Operations":[{"op":"Add","path":"emails[type eq \\"home\\"].value","value":"private@contoso.com"}]}
                """
            #expect(try await scim.patch("/Users/\(id)", addHome).status == 200)
            for (filter, expected) in [
                (#"emails[type eq "work"].value eq "private@contoso.com""#, 0), (#"emails[type eq "home"].value eq "private@contoso.com""#, 1),
                (#"emails[type eq "home"].value eq "updated@contoso.com""#, 0), (#"emails[type eq "work"].value eq "updated@contoso.com""#, 1),
                (#"emails[type eq "work"].value ne "private@contoso.com""#, 1), (#"emails[type eq "work"].value ne "updated@contoso.com""#, 0),
            ] {
                #expect(try await scim.get("/Users?filter=\(SCIMClient.query(filter))")["totalResults"] as? Int == expected, "\(filter)")
            }
            let byEmailFilter = try await scim.get("/Users?filter=\(SCIMClient.query(#"emails[type eq "work" and value eq "UPDATED@contoso.com"]"#))")
            #expect(byEmailFilter["totalResults"] as? Int == 1)

            // Delete.
            #expect(try await scim.delete("/Users/\(id)").status == 204)
            #expect(try await scim.get("/Users/\(id)").status == 404)
        }
    }

    /// Entra sends a role change as a PATCH of `roles[primary eq "True"].value` (its
    /// SingleAppRoleAssignment mapping): the string "True" must find the boolean primary element,
    /// or the old role stays and a second element piles up.
    @Test func roleChangeThroughTheFilteredRolesPath() async throws {
        try await SCIMOktaSequenceTests.with { gatehouse, scim in
            let created = try await scim.post("/Users", Self.entraUser("role_change@contoso.com"))
            #expect(created.status == 201)
            let id = created.id
            let spellings: [(op: String, filter: String, role: String)] = [
                ("Replace", #"primary eq \"True\""#, "MANAGER"), ("Add", #"primary eq \"True\""#, "DEVELOPER"),
                ("replace", #"primary eq \"true\""#, "DESIGNER"), ("Replace", "primary eq true", "SUPPORT_SPECIALIST"),
                ("Add", #"primary eq \"TRUE\""#, "ADMINISTRATOR"),
            ]
            for spelling in spellings {
                let patch = """
                    {\(Self.patchOp),"Operations":[{"op":"\(spelling.op)","path":"roles[\(spelling.filter)].value","value":"\(spelling.role)"}]}
                    """
                let changed = try await scim.patch("/Users/\(id)", patch)
                #expect(changed.status == 200, "\(spelling): \(changed.body)")
                #expect(changed["role"] as? String == spelling.role, "\(spelling)")
                let roles = changed["roles"] as? [[String: Any]]
                #expect(roles?.count == 1, "\(spelling): \(String(describing: roles))")
                #expect(roles?.first?["value"] as? String == spelling.role, "\(spelling)")
                #expect(roles?.first?["primary"] as? Bool == true, "\(spelling)")
                #expect(try await gatehouse.application.store.user(id: id)?.role == spelling.role, "\(spelling)")
            }
            // A value that is no dashboard role is refused, through the filtered path or as a
            // second, non-primary element, and the role stays.
            for patch in [
                #"{"op":"Replace","path":"roles[primary eq \"True\"].value","value":"Global Administrator"}"#,
                #"{"op":"Add","path":"roles","value":[{"value":"Global Administrator","primary":false}]}"#,
                #"{"op":"Add","path":"roles[type eq \"WindowsAzureActiveDirectoryRole\" and primary eq \"False\"].value","value":"Reader"}"#,
            ] {
                let refused = try await scim.patch("/Users/\(id)", "{\(Self.patchOp),\"Operations\":[\(patch)]}")
                #expect(refused.status == 400, "\(patch): \(refused.body)")
                #expect(refused["scimType"] as? String == "invalidValue", "\(patch)")
            }
            let after = try await scim.get("/Users/\(id)")
            #expect(after["role"] as? String == "ADMINISTRATOR")
            #expect((after["roles"] as? [[String: Any]])?.count == 1)
        }
    }

    @Test func groupMembershipTheEntraWay() async throws {
        try await SCIMOktaSequenceTests.with { _, scim in
            let first = try await scim.post("/Users", Self.entraUser("first@contoso.com")).id
            let second = try await scim.post("/Users", Self.entraUser("second@contoso.com")).id
            let group = try await scim.post(
                "/Groups",
                #"{"externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"Group1DisplayName","meta":{"resourceType":"Group"},"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]}"#
            )
            #expect(group.status == 201)
            let listed = try await scim.get("/Groups?excludedAttributes=members&filter=\(SCIMClient.query(#"displayName eq "Group1DisplayName""#))")
            #expect(listed["totalResults"] as? Int == 1)
            let add = """
                {\(Self.patchOp),"Operations":[{"op":"Add","path":"members","value":[{"value":"\(first)"},{"value":"\(second)"}]}]}
                """
            #expect(try await scim.patch("/Groups/\(group.id)", add).status == 200)
            let remove = """
                {\(Self.patchOp),"Operations":[{"op":"Remove","path":"members","value":[{"value":"\(first)"}]}]}
                """
            let removed = try await scim.patch("/Groups/\(group.id)", remove)
            #expect((removed["members"] as? [[String: Any]])?.compactMap { $0["value"] as? String } == [second])
            let rename =
                #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"displayName","value":"1879db59"}]}"#
            #expect(try await scim.patch("/Groups/\(group.id)", rename)["displayName"] as? String == "1879db59")
            // Removing someone who is not a member changes nothing and is not an error.
            #expect(try await scim.patch("/Groups/\(group.id)", remove).status == 200)
            #expect(try await scim.delete("/Groups/\(group.id)").status == 204)
        }
    }
}
