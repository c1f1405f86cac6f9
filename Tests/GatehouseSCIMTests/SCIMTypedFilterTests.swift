import GatehouseSCIM
import Testing

/// A filter of a search across resource types, as it applies to one type: an attribute the type
/// lacks has no value there (`eq` and `pr` fail, `ne` and `eq null` hold), and the rest folds.
@Suite struct SCIMTypedFilterTests {
    @Test(arguments: [
        (#"userName eq "a""#, "nothing"), (#"userName ne "a""#, "everything"), (#"userName eq null"#, "everything"), ("userName pr", "nothing"),
        (#"displayName eq "a""#, #"displayName eq "a""#), (#"userName eq "a" or displayName eq "g""#, #"displayName eq "g""#),
        (#"userName eq "a" and displayName eq "g""#, "nothing"), (#"userName ne "a" and displayName eq "g""#, #"displayName eq "g""#),
        (#"not (userName eq "a")"#, "everything"), (#"not (userName pr) and not (members pr)"#, "not (members pr)"),
        (#"emails[type eq "work"]"#, "nothing"), (#"emails[type eq "work"].value eq "x""#, "nothing"),
        (#"emails[type eq "work"].value ne "x""#, "everything"), (#"members[value eq "x"]"#, #"members[value eq "x"]"#),
        (#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a" or meta.resourceType eq "Group""#, #"meta.resourceType eq "Group""#),
        (#"schemas eq "urn:ietf:params:scim:schemas:core:2.0:Group""#, #"schemas eq "urn:ietf:params:scim:schemas:core:2.0:Group""#),
    ])
    func aGroupHasNoUserAttributes(filter: String, expected: String) throws {
        let restricted = try SCIMFilterParser.parse(filter).restricted(to: .group)
        switch restricted {
        case .nothing: #expect(expected == "nothing", "\(filter)")
        case .everything: #expect(expected == "everything", "\(filter)")
        case .filter(let kept): #expect(SCIMFilterPrinter.print(kept) == expected, "\(filter)")
        }
    }

    @Test func aFilterOnAUsersOwnAttributesIsKeptWhole() throws {
        let text =
            #"userName eq "a" and (emails[type eq "work"].value co "@x" or not (title pr)) and urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "d""#
        let filter = try SCIMFilterParser.parse(text)
        #expect(filter.restricted(to: .user) == .filter(filter))
        #expect(filter.restricted(to: .group) == .nothing)
        #expect(try SCIMFilterParser.parse("nickNames pr or userName pr").attributePaths.map(\.name) == ["nickNames", "userName"])
    }
}
