import Foundation
import GatehouseSCIM
import Testing

/// The PATCH engine on documents, with RFC 7644 §3.5.2's examples and Okta's and Entra's shapes.
@Suite struct SCIMPatchTests {
    static func json(_ text: String) -> JSONValue { JSONValue.parse(Array(text.utf8))! }
    static func object(_ text: String) -> [String: JSONValue] { json(text).objectValue! }

    static func patch(_ document: String, _ operations: String, type: SCIMResourceType = .user) throws -> [String: JSONValue] {
        let body = json(#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":\#(operations)}"#)
        return try SCIMDocument.normalize(try SCIMPatch.apply(body, to: object(document), type: type), type: type)
    }

    static let group = #"{"displayName":"Tour Guides","members":[{"value":"2819c223"},{"value":"902c246b"}]}"#

    /// One element written as primary, by a filtered path or an add, makes the others not primary,
    /// also when it says so with Entra's string "True".
    @Test func aNewPrimaryDemotesTheOthers() throws {
        let user = #"{"userName":"b","role":"ANALYST","emails":[{"value":"w@x.com","type":"work","primary":true},{"value":"h@x.com","type":"home"}]}"#
        for operation in [
            #"{"op":"replace","path":"emails[type eq \"home\"].primary","value":true}"#,
            #"{"op":"Replace","path":"emails[type eq \"home\"].primary","value":"True"}"#,
        ] {
            let result = try Self.patch(user, "[\(operation)]")
            let emails = try #require(result["emails"]?.arrayValue)
            #expect(emails.count == 2, "\(operation)")
            #expect(
                emails.filter { $0.objectValue?["primary"] == .bool(true) }.map { $0.objectValue?["value"] } == [.string("h@x.com")], "\(operation)")
            #expect(try SCIMUserRules.prepare(result, previous: nil).1.email == "h@x.com", "\(operation)")
        }
        let roles = #"{"userName":"b","role":"ANALYST","roles":[{"value":"ANALYST","primary":true}]}"#
        let added = try Self.patch(roles, #"[{"op":"Add","path":"roles","value":[{"value":"MANAGER","primary":"True"}]}]"#)
        #expect(try SCIMUserRules.prepare(added, previous: Self.object(roles)).1.role == "MANAGER")
    }

    /// A `roles` value stored before roles were checked (Entra's filtered PATCH once added one)
    /// does not block the next change: deactivating that user works; a new such value is refused.
    @Test func aStoredRoleValueThatIsNoDashboardRoleDoesNotBlockDeactivation() throws {
        let stored =
            #"{"userName":"b","role":"ANALYST","active":true,"roles":[{"value":"ANALYST","primary":true},{"value":"Global Administrator","primary":false}]}"#
        let deactivated = try Self.patch(stored, #"[{"op":"Replace","path":"active","value":"False"}]"#)
        let (_, fields) = try SCIMUserRules.prepare(deactivated, previous: Self.object(stored))
        #expect(fields.active == false && fields.role == "ANALYST")
        let another = try Self.patch(stored, #"[{"op":"Add","path":"roles","value":[{"value":"Reader"}]}]"#)
        #expect(throws: SCIMError.self) { try SCIMUserRules.prepare(another, previous: Self.object(stored)) }
        // An element without a value (Entra's remove of roles[…].value) is no role to judge.
        let emptied = try Self.patch(stored, #"[{"op":"Add","path":"roles","value":[{"type":"WindowsAzureActiveDirectoryRole"}]}]"#)
        #expect(throws: Never.self) { try SCIMUserRules.prepare(emptied, previous: Self.object(stored)) }
    }

    @Test func rfcAddMembers() throws {
        let result = try Self.patch(
            Self.group, #"[{"op":"add","path":"members","value":[{"display":"James Smith","value":"08e1d05d"}]}]"#, type: .group)
        #expect(result["members"] == Self.json(#"[{"value":"2819c223"},{"value":"902c246b"},{"value":"08e1d05d"}]"#))
    }

    @Test func rfcAddWithoutPath() throws {
        let result = try Self.patch(
            #"{"userName":"bjensen","role":"ANALYST","emails":[{"value":"b@example.com","type":"work"}]}"#,
            #"[{"op":"add","value":{"emails":[{"value":"babs@jensen.org","type":"home"}],"nickname":"Babs"}}]"#)
        #expect(result["emails"]?.arrayValue?.count == 2)
        #expect(result["nickName"] == .string("Babs"))  // attribute names are case-insensitive
    }

    @Test func rfcRemoveOneMemberAllMembersAndReplaceMembers() throws {
        let one = try Self.patch(Self.group, #"[{"op":"remove","path":"members[value eq \"2819c223\"]"}]"#, type: .group)
        #expect(one["members"] == Self.json(#"[{"value":"902c246b"}]"#))
        let all = try Self.patch(Self.group, #"[{"op":"remove","path":"members"}]"#, type: .group)
        #expect(all["members"] == nil)
        let replaced = try Self.patch(
            Self.group, #"[{"op":"remove","path":"members"},{"op":"add","path":"members","value":[{"value":"2819c223"},{"value":"9"}]}]"#,
            type: .group)
        #expect(replaced["members"] == Self.json(#"[{"value":"2819c223"},{"value":"9"}]"#))
        let replace = try Self.patch(Self.group, #"[{"op":"replace","path":"members","value":[{"value":"7"}]}]"#, type: .group)
        #expect(replace["members"] == Self.json(#"[{"value":"7"}]"#))
    }

    @Test func rfcReplaceThroughValueFilters() throws {
        let user = #"{"userName":"b","role":"ANALYST","emails":[{"value":"a@x.com","type":"work","primary":true},{"value":"h@x.com","type":"home"}]}"#
        let whole = try Self.patch(
            user, #"[{"op":"replace","path":"emails[type eq \"work\"]","value":{"type":"work","value":"bjensen@example.com"}}]"#)
        #expect(whole["emails"]?.arrayValue?.first == Self.json(#"{"value":"bjensen@example.com","type":"work","primary":true}"#))
        let sub = try Self.patch(user, #"[{"op":"replace","path":"emails[type eq \"home\"].value","value":"new@x.com"}]"#)
        #expect(sub["emails"]?.arrayValue?.last == Self.json(#"{"value":"new@x.com","type":"home"}"#))
        let singular = try Self.patch(
            #"{"userName":"b","role":"ANALYST","name":{"givenName":"B","familyName":"J"}}"#,
            #"[{"op":"replace","path":"name.familyName","value":"Smith"}]"#)
        #expect(singular["name"] == Self.json(#"{"givenName":"B","familyName":"Smith"}"#))
        let removeSub = try Self.patch(user, #"[{"op":"remove","path":"emails[type eq \"work\"].primary"}]"#)
        #expect(removeSub["emails"]?.arrayValue?.first == Self.json(#"{"value":"a@x.com","type":"work"}"#))
    }

    @Test func entraShapes() throws {
        let user = #"{"userName":"b","role":"ANALYST","active":true}"#
        let disabled = try Self.patch(user, #"[{"op":"Replace","path":"active","value":"False"}]"#)
        #expect(disabled["active"] == .bool(false))
        let created = try Self.patch(user, #"[{"op":"Add","path":"emails[type eq \"work\"].value","value":"e@x.com"}]"#)
        #expect(created["emails"] == Self.json(#"[{"type":"work","value":"e@x.com"}]"#))
        let noPath = try Self.patch(
            user,
            #"[{"op":"Replace","value":{"name.givenName":"G","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"7","ACTIVE":"True"}}]"#
        )
        #expect(noPath["name"] == Self.json(#"{"givenName":"G"}"#))
        #expect(noPath["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] == Self.json(#"{"employeeNumber":"7"}"#))
        #expect(noPath["active"] == .bool(true))
        let manager = try Self.patch(
            user, #"[{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"boss-id"}]"#)
        #expect(manager["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] == Self.json(#"{"manager":{"value":"boss-id"}}"#))
        let members = try Self.patch(Self.group, #"[{"op":"Remove","path":"members","value":[{"value":"2819c223"}]}]"#, type: .group)
        #expect(members["members"] == Self.json(#"[{"value":"902c246b"}]"#))
    }

    @Test func oktaShapes() throws {
        let deactivated = try Self.patch(#"{"userName":"b","role":"ANALYST","active":true}"#, #"[{"op":"replace","value":{"active":false}}]"#)
        #expect(deactivated["active"] == .bool(false))
        let renamed = try Self.patch(#"{"displayName":"Old"}"#, #"[{"op":"replace","value":{"id":"abf4dd94","displayName":"New"}}]"#, type: .group)
        #expect(renamed == ["displayName": .string("New")])  // the read-only id in the value is ignored
    }

    @Test func refusalsHaveTheirSCIMTypes() throws {
        func scimType(_ operations: String) -> String? {
            do {
                _ = try Self.patch(#"{"userName":"b","role":"ANALYST"}"#, operations)
                return nil
            } catch let error as SCIMError {
                return error.scimType
            } catch {
                return "other"
            }
        }
        #expect(scimType(#"[{"op":"remove"}]"#) == "noTarget")
        #expect(scimType(#"[{"op":"move","path":"userName","value":"x"}]"#) == "invalidSyntax")
        #expect(scimType(#"[{"op":"replace","path":"nosuch","value":"x"}]"#) == "invalidPath")
        #expect(scimType(#"[{"op":"replace","path":"emails[type eq","value":"x"}]"#) == "invalidPath")
        #expect(scimType(#"[{"op":"replace","path":"userName[type eq \"x\"]","value":"x"}]"#) == "invalidPath")
        #expect(scimType(#"[{"op":"replace","path":"id","value":"x"}]"#) == "mutability")
        #expect(scimType(#"[{"op":"replace","path":"meta.created","value":"x"}]"#) == "mutability")
        #expect(scimType(#"[{"op":"replace","path":"active","value":"maybe"}]"#) == "invalidValue")
        #expect(scimType(#"[{"op":"add","path":"userName"}]"#) == "invalidValue")
        #expect(scimType("[]") == "invalidSyntax")
    }
}

/// Documents as stored: names in the schema's spelling, values coerced, nothing secret or read-only.
@Suite struct SCIMDocumentTests {
    @Test func normalizesNamesAndValuesAndDropsWhatIsNotKept() throws {
        let body = SCIMPatchTests.json(
            #"{"USERNAME":"b","Role":"ANALYST","active":"false","password":"secret","id":"x","meta":{"version":"1"},"groups":[{"value":"g"}],"#
                + #""schemas":["x"],"unknownCore":"dropped","emails":{"value":"single@x.com"},"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"EmployeeNumber":12,"custom":"kept"},"urn:other:ext":{"a":"b"}}"#
        )
        let document = try SCIMDocument.fromRequest(body, type: .user)
        #expect(
            document
                == SCIMPatchTests.object(
                    #"{"userName":"b","role":"ANALYST","active":false,"emails":[{"value":"single@x.com"}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"12","custom":"kept"}}"#
                ))
    }

    @Test func typeErrorsAreInvalidValue() {
        #expect(throws: SCIMError.invalidValue("userName must be a string.")) {
            try SCIMDocument.fromRequest(SCIMPatchTests.json(#"{"userName":true}"#), type: .user)
        }
        #expect(throws: SCIMError.invalidSyntax("The body must be a JSON object.")) {
            try SCIMDocument.fromRequest(SCIMPatchTests.json("[1]"), type: .user)
        }
    }

    @Test func roleAndRolesAreReconciled() throws {
        let (fromRoles, fields) = try SCIMUserRules.prepare(
            SCIMPatchTests.object(#"{"userName":"b","roles":[{"value":"DESIGNER","primary":true}]}"#), previous: nil)
        #expect(fields.role == "DESIGNER")
        #expect(fromRoles["role"] == .string("DESIGNER"))
        let (rewritten, _) = try SCIMUserRules.prepare(
            SCIMPatchTests.object(#"{"userName":"b","role":"ANALYST","roles":[{"value":"DESIGNER","primary":true}]}"#),
            previous: SCIMPatchTests.object(#"{"userName":"b","role":"DESIGNER","roles":[{"value":"DESIGNER","primary":true}]}"#))
        #expect(rewritten["roles"] == SCIMPatchTests.json(#"[{"value":"ANALYST","primary":true}]"#))
        // An unassigned active counts as true and stays unassigned (a PATCH remove must not bring it back).
        let (unassigned, active) = try SCIMUserRules.prepare(SCIMPatchTests.object(#"{"userName":"b","role":"ANALYST"}"#), previous: nil)
        #expect(active.active && unassigned["active"] == nil)
        #expect(throws: SCIMError.self) { try SCIMUserRules.prepare(SCIMPatchTests.object(#"{"userName":"b"}"#), previous: nil) }
        #expect(throws: SCIMError.self) { try SCIMUserRules.prepare(SCIMPatchTests.object(#"{"userName":"b","role":"Analyst"}"#), previous: nil) }
    }

    @Test func attributeSelection() {
        let resource = SCIMPatchTests.object(
            #"{"id":"1","schemas":["s"],"userName":"b","name":{"givenName":"G","familyName":"F"},"emails":[{"value":"e","type":"work"}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"D","costCenter":"C"}}"#
        )
        let picked = SCIMRepresentation.select(
            resource, type: .user,
            attributes: ["name.familyName", "EMAILS.value", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"],
            excluded: [])
        #expect(
            picked
                == SCIMPatchTests.object(
                    #"{"id":"1","schemas":["s"],"name":{"familyName":"F"},"emails":[{"value":"e"}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"D"}}"#
                ))
        let excluded = SCIMRepresentation.select(resource, type: .user, attributes: [], excluded: ["id", "emails", "name.givenName"])
        #expect(excluded["id"] != nil)  // always returned
        #expect(excluded["emails"] == nil)
        #expect(excluded["name"] == SCIMPatchTests.json(#"{"familyName":"F"}"#))
    }
}

/// Responses written from the stored text equal the ones built from the parsed document.
@Suite struct SCIMRepresentationTextTests {
    static let meta = SCIMMeta(
        created: Date(timeIntervalSince1970: 1_800_000_000), lastModified: Date(timeIntervalSince1970: 1_800_000_100), version: 3,
        location: "https://x/Users/1")

    @Test(arguments: [
        #"{"role":"ANALYST","title":"\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\":","userName":"b"}"#,
        #"{"role":"ANALYST","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"D"},"userName":"b"}"#,
        "{}",
    ])
    func theTextIsTheResource(stored: String) throws {
        let document = try #require(JSONValue.parse(Array(stored.utf8))?.objectValue)
        // Stored text is what JSONEncoder wrote for the document.
        let storedText = JSONValue.object(document).jsonText
        let extra: [String: JSONValue] = ["groups": [["value": "g1", "display": "G"]]]
        let text = SCIMRepresentation.text(storedJSON: storedText, type: .user, id: "1", meta: Self.meta, extra: extra)
        let expected = SCIMRepresentation.resource(document, type: .user, id: "1", meta: Self.meta, extra: extra)
        #expect(JSONValue.parse(Array(text.utf8)) == .object(expected))
    }

    @Test func aListOfTexts() {
        let list = SCIMRepresentation.listText([#"{"id":"1"}"#, #"{"id":"2"}"#], totalResults: 7, startIndex: 3)
        #expect(JSONValue.parse(Array(list.utf8)) == SCIMDiscovery.list([["id": "1"], ["id": "2"]], totalResults: 7, startIndex: 3))
    }
}
