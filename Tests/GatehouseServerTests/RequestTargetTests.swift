import Testing

@testable import GatehouseProxy

@Suite struct RequestTargetTests {
    @Test(arguments: ["/", "/public/a.css", "/a/b?x=/../y", "/files/report..pdf", "/.well-known/x", "/a%20b", "*"])
    func plainTargetsAreAccepted(target: String) {
        #expect(RequestTarget.isAcceptable(target))
    }

    @Test(arguments: [
        "/public/../admin", "/public/./x", "/public/..", "/public/%2e%2e/admin", "/public/.%2E/admin", "/public/%2E/x",
        "/public%2f..%2fadmin", "/public/..\\admin", "/public\\..\\admin", "/a%5cb", "/a%00b", "/a%zz", "/a%2", "http://evil/public/",
        "public/x",
    ])
    func confusingTargetsAreRefused(target: String) {
        #expect(!RequestTarget.isAcceptable(target))
    }

    @Test func aDotSegmentCannotSmuggleAPrivatePathThroughAPublicRule() async throws {
        try await TestGatehouse.with(extraYAML: "public_paths: [\"^/public/\"]\n") { gatehouse in
            let statuses = try await RawHTTP.statuses(
                port: gatehouse.ports.proxy, ["/public/../admin", "/public/%2e%2e/admin", "/public/x"]
            )
            #expect(statuses == ["/public/../admin": 400, "/public/%2e%2e/admin": 400, "/public/x": 200])
        }
    }
}
