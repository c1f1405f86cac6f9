import Foundation
import GatehouseSCIM
import Testing

/// No control character gets into a SCIM string (DESIGN.md: no value becomes a header it was not
/// meant to be), over a socket, as an IdP would send it: every input of a table, in every string
/// attribute of Users and Groups, by POST, PUT and PATCH (with and without a path), and in filters.
@Suite struct SCIMControlCharacterTests {
    static let enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    static let patchOp = #""schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]"#

    /// Inputs as they stand between the quotes of a JSON string in the body (`\r` is JSON's escape).
    static let refused: [(name: String, json: String)] = [
        ("CR LF", #"a\r\nb"#), ("LF", #"a\nb"#), ("NUL", #"a\u0000b"#), ("TAB", #"a\tb"#), ("escaped CR LF", #"a\u000d\u000ab"#),
        ("ESC", #"\u001b[31mred"#), ("DEL", #"a\u007fb"#), ("raw DEL", "a\u{7F}b"), ("NEL", #"a\u0085b"#), ("raw NEL", "a\u{85}b"),
        ("C1 U+009F", #"\u009f"#), ("LINE SEPARATOR", "a\u{2028}b"), ("PARAGRAPH SEPARATOR", #"a\u2029b"#),
        ("header injection", #"x@acme.com\r\nX-Forwarded-User: admin"#),
        ("long, CR LF at the end", String(repeating: "a", count: 200_000) + #"\r\n"#),
        ("only a control character", #"\u0001"#),
    ]
    /// Control characters written raw into the JSON text: not JSON (RFC 8259 §7), refused by the parser.
    static let rawC0: [(name: String, json: String)] = [("raw CR LF", "a\r\nb"), ("raw TAB", "a\tb"), ("raw NUL", "a\u{0}b")]
    static let accepted: [(name: String, json: String)] = [
        ("percent text", "a%0d%0ab"), ("backslash text", #"a\\r\\nb"#), ("odd Unicode", "Zoë 😀 👩‍👩‍👧 مرحبا \u{202E}cba\u{202C} \u{200B}\u{FEFF}"),
        ("no-break space", "a\u{A0}b"), ("long", String(repeating: "é", count: 100_000)),
    ]

    /// Where a value goes: method, target, body. `n` keeps userNames unique; `refusedOnly` marks
    /// places where no value could succeed (a member that is no user, an op, a path).
    struct Place: Sendable {
        var name: String
        var refusedOnly = false
        var request: @Sendable (_ value: String, _ n: Int, _ ids: IDs) -> (method: String, target: String, body: String)
    }

    struct IDs: Sendable {
        var user: String
        var group: String
    }

    static func user(_ n: Int, userName: String? = nil, email: String? = nil, extra: String = "") -> String {
        """
        {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"\(userName ?? "user\(n)@acme.com")","role":"ANALYST",\
        "emails":[{"type":"work","value":"\(email ?? "user\(n)@acme.com")"}]\(extra)}
        """
    }

    static func patch(_ operation: String) -> String { "{\(patchOp),\"Operations\":[\(operation)]}" }

    static let places: [Place] = [
        Place(name: "POST Users userName") { v, n, _ in ("POST", "/Users", user(n, userName: "\(v)\(n)")) },
        Place(name: "POST Users emails value") { v, n, _ in ("POST", "/Users", user(n, email: v)) },
        Place(name: "POST Users phoneNumbers type") { v, n, _ in
            ("POST", "/Users", user(n, extra: #","phoneNumbers":[{"type":"\#(v)","value":"1"}]"#))
        },
        Place(name: "POST Users name.givenName") { v, n, _ in ("POST", "/Users", user(n, extra: #","name":{"givenName":"\#(v)"}"#)) },
        Place(name: "POST Users displayName") { v, n, _ in ("POST", "/Users", user(n, extra: #","displayName":"\#(v)""#)) },
        Place(name: "POST Users externalId") { v, n, _ in ("POST", "/Users", user(n, extra: #","externalId":"\#(v)""#)) },
        Place(name: "POST Users enterprise department") { v, n, _ in ("POST", "/Users", user(n, extra: #","\#(enterprise)":{"department":"\#(v)"}"#))
        },
        Place(name: "POST Users unknown extension attribute") { v, n, _ in
            ("POST", "/Users", user(n, extra: #","\#(enterprise)":{"customField":"\#(v)"}"#))
        },
        Place(name: "POST Users extension attribute name") { v, n, _ in ("POST", "/Users", user(n, extra: #","\#(enterprise)":{"\#(v)":"x"}"#)) },
        Place(name: "POST Users undeclared attribute") { v, n, _ in ("POST", "/Users", user(n, extra: #","nickName2":"\#(v)""#)) },
        Place(name: "POST Users password") { v, n, _ in ("POST", "/Users", user(n, extra: #","password":"\#(v)""#)) },
        Place(name: "POST Users dotted key") { v, n, _ in ("POST", "/Users", user(n, extra: #","name.familyName":"\#(v)""#)) },
        Place(name: "PUT Users displayName") { v, n, ids in ("PUT", "/Users/\(ids.user)", user(0, extra: #","displayName":"\#(v)""#)) },
        Place(name: "PATCH Users path") { v, _, ids in
            ("PATCH", "/Users/\(ids.user)", patch(#"{"op":"replace","path":"displayName","value":"\#(v)"}"#))
        },
        Place(name: "PATCH Users filtered path value") { v, _, ids in
            ("PATCH", "/Users/\(ids.user)", patch(#"{"op":"replace","path":"emails[type eq \"work\"].value","value":"\#(v)"}"#))
        },
        Place(name: "PATCH Users no path") { v, _, ids in
            ("PATCH", "/Users/\(ids.user)", patch(#"{"op":"replace","value":{"name.givenName":"\#(v)","title":"t"}}"#))
        },
        Place(name: "PATCH Users no path, extension") { v, _, ids in
            ("PATCH", "/Users/\(ids.user)", patch(#"{"op":"add","value":{"\#(enterprise):department":"\#(v)"}}"#))
        },
        Place(name: "PATCH Users path text", refusedOnly: true) { v, _, ids in
            ("PATCH", "/Users/\(ids.user)", patch(#"{"op":"replace","path":"displayName\#(v)","value":"x"}"#))
        },
        Place(name: "PATCH Users op text", refusedOnly: true) { v, _, ids in
            ("PATCH", "/Users/\(ids.user)", patch(#"{"op":"replace\#(v)","path":"displayName","value":"x"}"#))
        },
        Place(name: "POST Groups displayName") { v, _, _ in ("POST", "/Groups", #"{"displayName":"\#(v)"}"#) },
        Place(name: "POST Groups externalId") { v, _, _ in ("POST", "/Groups", #"{"displayName":"g","externalId":"\#(v)"}"#) },
        Place(name: "POST Groups member value", refusedOnly: true) { v, _, ids in
            ("POST", "/Groups", #"{"displayName":"g","members":[{"value":"\#(ids.user)"},{"value":"\#(v)"}]}"#)
        },
        Place(name: "PUT Groups displayName") { v, _, ids in ("PUT", "/Groups/\(ids.group)", #"{"displayName":"\#(v)"}"#) },
        Place(name: "PATCH Groups path") { v, _, ids in
            ("PATCH", "/Groups/\(ids.group)", patch(#"{"op":"replace","path":"displayName","value":"\#(v)"}"#))
        },
        Place(name: "PATCH Groups no path") { v, _, ids in
            ("PATCH", "/Groups/\(ids.group)", patch(#"{"op":"replace","value":{"displayName":"\#(v)"}}"#))
        },
        Place(name: "PATCH Groups add member", refusedOnly: true) { v, _, ids in
            ("PATCH", "/Groups/\(ids.group)", patch(#"{"op":"add","path":"members","value":[{"value":"\#(v)"}]}"#))
        },
        Place(name: "PATCH Groups remove member filter", refusedOnly: true) { v, _, ids in
            ("PATCH", "/Groups/\(ids.group)", patch(#"{"op":"remove","path":"members[value eq \"\#(v)\"]"}"#))
        },
    ]

    @Test func controlCharactersAreRefusedInEveryStringAndEverythingElseIsKept() async throws {
        try await SCIMOktaSequenceTests.with { gatehouse, scim in
            let userID = try await scim.post("/Users", Self.user(0)).id
            let groupID = try await scim.post("/Groups", #"{"displayName":"g0"}"#).id
            let ids = IDs(user: userID, group: groupID)
            let userVersion = try await scim.get("/Users/\(userID)").etag
            let groupVersion = try await scim.get("/Groups/\(groupID)").etag
            var n = 1
            for input in Self.refused {
                for place in Self.places {
                    n += 1
                    let (method, target, body) = place.request(input.json, n, ids)
                    let reply = try await scim.send(method, target, body)
                    let what = "\(input.name) in \(place.name)"
                    #expect(reply.status == 400, "\(what): \(reply.status) \(reply.body.prefix(300))")
                    #expect(reply["scimType"] as? String == "invalidValue", "\(what): \(reply.body.prefix(300))")
                    #expect((reply["detail"] as? String)?.contains("control character (U+") == true, "\(what): \(reply.body.prefix(300))")
                    #expect(reply["schemas"] as? [String] == [SCIMError.schema], "\(what)")
                }
            }
            for input in Self.rawC0 {
                for place in Self.places {
                    n += 1
                    let (method, target, body) = place.request(input.json, n, ids)
                    let reply = try await scim.send(method, target, body)
                    #expect(
                        reply.status == 400 && reply["scimType"] as? String == "invalidSyntax",
                        "\(input.name) in \(place.name): \(reply.body.prefix(300))")
                }
            }
            // Nothing was written by any refused request.
            #expect(try await scim.get("/Users?count=0")["totalResults"] as? Int == 1)
            #expect(try await scim.get("/Groups?count=0")["totalResults"] as? Int == 1)
            #expect(try await scim.get("/Users/\(userID)").etag == userVersion)
            #expect(try await scim.get("/Groups/\(groupID)").etag == groupVersion)
            #expect(try await gatehouse.application.store.auditEntries(tenantID: "acme", after: 0, limit: 10).count == 2)

            for input in Self.accepted {
                for place in Self.places where !place.refusedOnly {
                    n += 1
                    let (method, target, body) = place.request(input.json, n, ids)
                    let reply = try await scim.send(method, target, body)
                    #expect([200, 201].contains(reply.status), "\(input.name) in \(place.name): \(reply.status) \(reply.body.prefix(300))")
                }
            }
        }
    }

    @Test func oddButPrintableValuesComeBackExactly() async throws {
        try await SCIMOktaSequenceTests.with { _, scim in
            let odd = "Zoë 😀 👩‍👩‍👧 مرحبا \u{202E}cba\u{202C} \u{200B}\u{FEFF} a%0d%0ab \\r\\n"
            let escaped = String(decoding: try JSONEncoder().encode(odd), as: UTF8.self)
            let created = try await scim.post("/Users", Self.user(1, extra: #","displayName":\#(escaped),"name":{"givenName":\#(escaped)}"#))
            #expect(created.status == 201)
            let read = try await scim.get("/Users/\(created.id)")
            #expect(read["displayName"] as? String == odd)
            #expect((read["name"] as? [String: Any])?["givenName"] as? String == odd)
        }
    }

    /// A filter is a query, not a stored value, but the rule has no exception: a control character
    /// in a filter string is a 400 `invalidFilter` (no stored value can hold one anyway).
    @Test func filtersWithControlCharactersAreInvalidFilters() async throws {
        try await SCIMOktaSequenceTests.with { _, scim in
            let filters = [
                #"userName eq "a\r\nb""#, #"userName eq "a\u0000b""#, #"displayName co "\u007f""#, #"emails[type eq "work"].value eq "x\u2028""#,
                #"emails[type eq "work" and value eq "x\u0085"]"#, "userName eq \"a\u{7F}b\"", "userName eq \"a\r\nb\"",
            ]
            for filter in filters {
                for target in ["/Users", "/Groups"] {
                    let reply = try await scim.get("\(target)?filter=\(SCIMClient.query(filter))")
                    #expect(reply.status == 400 && reply["scimType"] as? String == "invalidFilter", "\(target) \(filter): \(reply.body)")
                    #expect((reply["detail"] as? String)?.contains("control character") == true, "\(target) \(filter): \(reply.body)")
                }
                let body = String(decoding: try JSONSerialization.data(withJSONObject: ["filter": filter]), as: UTF8.self)
                for target in ["/Users/.search", "/.search"] {
                    let reply = try await scim.post(target, body)
                    #expect(reply.status == 400 && reply["scimType"] as? String == "invalidFilter", "\(target) \(filter): \(reply.body)")
                }
            }
            // Percent text is text.
            #expect(try await scim.get("/Users?filter=\(SCIMClient.query(#"userName eq "a%0d%0ab""#))").status == 200)
        }
    }
}
