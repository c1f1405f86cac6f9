import GatehouseSCIM
import Testing

@Suite struct SCIMFilterParserTests {
    /// The filter examples of RFC 7644 §3.4.2.2, each parsed and printed back to the same tree.
    @Test(arguments: [
        #"userName Eq "john""#, #"name.familyName co "O'Malley""#, #"userName sw "J""#,
        #"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#, "title pr", #"meta.lastModified gt "2011-05-13T04:42:34Z""#,
        #"meta.lastModified ge "2011-05-13T04:42:34Z""#, #"meta.lastModified lt "2011-05-13T04:42:34Z""#,
        #"meta.lastModified le "2011-05-13T04:42:34Z""#, #"title pr and userType eq "Employee""#, #"title pr or userType eq "Intern""#,
        #"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
        #"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
        #"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
        #"userType eq "Employee" and (emails.type eq "work")"#, #"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
        #"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
    ])
    func rfcExamplesParseAndRoundTrip(text: String) throws {
        let filter = try SCIMFilterParser.parse(text)
        #expect(try SCIMFilterParser.parse(SCIMFilterPrinter.print(filter)) == filter)
    }

    @Test func precedenceAndAssociativityAreRight() throws {
        let a = SCIMFilter.present(SCIMAttributePath(name: "a"))
        let b = SCIMFilter.present(SCIMAttributePath(name: "b"))
        let c = SCIMFilter.present(SCIMAttributePath(name: "c"))
        #expect(try SCIMFilterParser.parse("a pr or b pr and c pr") == .or(a, .and(b, c)))
        #expect(try SCIMFilterParser.parse("(a pr or b pr) and c pr") == .and(.or(a, b), c))
        #expect(try SCIMFilterParser.parse("a pr or b pr or c pr") == .or(.or(a, b), c))
        #expect(SCIMFilterPrinter.print(.or(a, .or(b, c))) == "a pr or (b pr or c pr)")
        #expect(SCIMFilterPrinter.print(.and(.or(a, b), c)) == "(a pr or b pr) and c pr")
    }

    @Test func pathsValuesAndOperatorsAreReadAsTheRFCSays() throws {
        #expect(
            try SCIMFilterParser.parse(#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber EQ "701984""#)
                == .compare(
                    SCIMAttributePath(schema: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", name: "employeeNumber"), .eq,
                    .string("701984")))
        #expect(try SCIMFilterParser.parse("active eq true") == .compare(SCIMAttributePath(name: "active"), .eq, .bool(true)))
        #expect(try SCIMFilterParser.parse("x eq null") == .compare(SCIMAttributePath(name: "x"), .eq, .null))
        #expect(try SCIMFilterParser.parse("n ge -1.5e3") == .compare(SCIMAttributePath(name: "n"), .ge, .number("-1.5e3")))
        #expect(
            try SCIMFilterParser.parse(#"userName eq "a \"b\" \u00e9\ud83d\ude00""#)
                == .compare(SCIMAttributePath(name: "userName"), .eq, .string("a \"b\" é😀")))
        #expect(
            try SCIMFilterParser.parse(#"emails[type eq "work"]"#)
                == .valuePath(SCIMAttributePath(name: "emails"), .compare(SCIMAttributePath(name: "type"), .eq, .string("work"))))
    }

    /// Entra's matching filter on the work email: a value path, then a sub-attribute and its test.
    @Test func aValuePathFollowedByASubAttributeIsOneTest() throws {
        let work = SCIMFilter.compare(SCIMAttributePath(name: "type"), .eq, .string("work"))
        #expect(
            try SCIMFilterParser.parse(#"emails[type eq "work"].value eq "x@y""#)
                == .valuePathAttribute(SCIMAttributePath(name: "emails"), work, subAttribute: "value", .compare(.eq, .string("x@y"))))
        #expect(
            try SCIMFilterParser.parse(#"emails[type eq "work"].value PR and userName Sw "a""#)
                == .and(
                    .valuePathAttribute(SCIMAttributePath(name: "emails"), work, subAttribute: "value", .present),
                    .compare(SCIMAttributePath(name: "userName"), .sw, .string("a"))))
        #expect(
            try SCIMFilterParser.parse(#"not (urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].value ne "x")"#)
                == .not(
                    .valuePathAttribute(
                        SCIMAttributePath(schema: "urn:ietf:params:scim:schemas:core:2.0:User", name: "emails"), work, subAttribute: "value",
                        .compare(.ne, .string("x")))))
        #expect(
            SCIMFilterPrinter.print(try SCIMFilterParser.parse(#"emails[type eq "work"].value eq "x@y""#))
                == #"emails[type eq "work"].value eq "x@y""#)
    }

    @Test(arguments: [
        "", "userName", #"userName eq"#, #"userName xx "a""#, #"userName eq john"#, #"userName eq "open"#, "(title pr", "title pr)",
        "not title pr", #"emails[type eq "work""#, #"emails[value[type eq "x"]]"#, "a pr and", "a pr or or b pr", "1abc pr", "n eq 01", "n eq 1.",
        #"http://x:y pr"#, "a.b.c pr", #"a eq "\q""#, String(repeating: "(", count: 40) + "a pr" + String(repeating: ")", count: 40),
        #"emails[type eq "work"] .value eq "x""#, #"emails[type eq "work"].value.x eq "x""#, #"emails[type eq "work"]. eq "x""#,
        #"emails[type eq "work"].value"#, #"emails[type eq "work"].value eq"#, #"emails[type eq "work"].1x eq "x""#,
        #"emails[type eq "work"]value eq "x""#, #"emails[type eq "work"].value[type eq "x"]"#, #"emails.value[type eq "work"].value pr"#,
        #"emails[x[type eq "a"].value eq "b"]"#,
    ])
    func brokenFiltersAreInvalidFilterErrors(text: String) {
        #expect(throws: SCIMFilterError.self) { try SCIMFilterParser.parse(text) }
    }

    /// Property-style: random trees (seeded, so a failure repeats) print and parse back unchanged.
    @Test func randomTreesRoundTrip() throws {
        var generator = SeededGenerator(seed: 20_261_129)
        for _ in 0..<2_000 {
            let filter = Self.randomFilter(depth: 0, inValuePath: false, using: &generator)
            let text = SCIMFilterPrinter.print(filter)
            #expect(try SCIMFilterParser.parse(text) == filter, "\(text)")
        }
    }

    static func randomFilter(depth: Int, inValuePath: Bool, using generator: inout SeededGenerator) -> SCIMFilter {
        let leafOnly = depth >= 4
        switch leafOnly ? Int.random(in: 0...1, using: &generator) : Int.random(in: 0...5, using: &generator) {
        case 0: return .present(randomPath(using: &generator))
        case 1:
            let comparison = SCIMComparison.allCases.randomElement(using: &generator)!
            let values: [SCIMValue] = [.string("a \"q\" é\n"), .number("42"), .number("-0.5E-2"), .bool(true), .bool(false), .null, .string("")]
            return .compare(randomPath(using: &generator), comparison, values.randomElement(using: &generator)!)
        case 2:
            return .and(
                randomFilter(depth: depth + 1, inValuePath: inValuePath, using: &generator),
                randomFilter(depth: depth + 1, inValuePath: inValuePath, using: &generator))
        case 3:
            return .or(
                randomFilter(depth: depth + 1, inValuePath: inValuePath, using: &generator),
                randomFilter(depth: depth + 1, inValuePath: inValuePath, using: &generator))
        case 4: return .not(randomFilter(depth: depth + 1, inValuePath: inValuePath, using: &generator))
        default:
            if inValuePath { return .present(randomPath(using: &generator)) }
            let inner = randomFilter(depth: depth + 1, inValuePath: true, using: &generator)
            guard Bool.random(using: &generator) else { return .valuePath(SCIMAttributePath(name: "emails"), inner) }
            let test: SCIMAttributeTest
            switch Int.random(in: 0...2, using: &generator) {
            case 0: test = .present
            case 1: test = .compare(SCIMComparison.allCases.randomElement(using: &generator)!, .string("x@y \"q\""))
            default: test = .compare(.eq, [SCIMValue.null, .bool(false), .number("7")].randomElement(using: &generator)!)
            }
            return .valuePathAttribute(
                SCIMAttributePath(name: "emails"), inner, subAttribute: ["value", "type", "$ref"].randomElement(using: &generator)!, test)
        }
    }

    static func randomPath(using generator: inout SeededGenerator) -> SCIMAttributePath {
        [
            SCIMAttributePath(name: "userName"), SCIMAttributePath(name: "name", subAttribute: "givenName"),
            SCIMAttributePath(schema: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", name: "employeeNumber"),
            SCIMAttributePath(name: "meta", subAttribute: "lastModified"), SCIMAttributePath(name: "$ref"),
        ].randomElement(using: &generator)!
    }
}

/// SplitMix64: a small seeded generator, so a failing random case is the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
