import Testing

@testable import GatehouseSCIM

@Suite struct SCIMBearerTokenTests {
    @Test func tokensMatchOnlyTheirHashesAndAnyOfSeveral() {
        let hash = SCIMBearerToken.hash("secret-token")
        #expect(hash.count == 64)
        #expect(SCIMBearerToken.matches("secret-token", hashes: [SCIMBearerToken.hash("old"), hash]))
        #expect(SCIMBearerToken.matches("secret-token", hashes: [hash.uppercased()]))
        #expect(!SCIMBearerToken.matches("secret-token ", hashes: [hash]))
        #expect(!SCIMBearerToken.matches("secret-token", hashes: []))
        #expect(!SCIMBearerToken.matches("secret-token", hashes: ["zz", String(hash.dropLast())]))
    }

    @Test(arguments: [("Bearer abc", "abc"), ("bearer  abc ", "abc"), ("Basic abc", nil), ("Bearer ", nil), ("", nil)] as [(String, String?)])
    func theTokenIsReadFromTheAuthorizationHeader(header: String, expected: String?) {
        #expect(SCIMBearerToken.token(fromAuthorization: header) == expected)
    }

    @Test func theComparisonExaminesEveryByteOfEveryHashWhateverTheToken() {
        let hashes = [SCIMBearerToken.hash("first"), SCIMBearerToken.hash("second"), SCIMBearerToken.hash("third")]
        var counts: [Int] = []
        for token in ["first", "third", "nothing", "", String(repeating: "x", count: 10_000)] {
            var examined = 0
            _ = SCIMPresentedToken(token).matches(hashes, examined: &examined)
            counts.append(examined)
        }
        #expect(counts == Array(repeating: 96, count: 5))
        #expect(SCIMPresentedToken("first").id == String(SCIMBearerToken.hash("first").prefix(12)))
    }
}
