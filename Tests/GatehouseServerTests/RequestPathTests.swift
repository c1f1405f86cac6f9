import GatehouseConfig
import NIOHTTP1
import Testing

@testable import GatehouseProxy

/// The path decision without sockets: which targets are refused, which readings are kept, how
/// rules and public paths match them.
@Suite struct RequestPathTests {
    static let rules = AccessRules([
        AccessRule(pathPrefix: "/admin/", methods: [], roles: ["ADMINISTRATOR"]),
        AccessRule(pathPrefix: "/exports/", methods: ["GET"], roles: ["ADMINISTRATOR"]),
        AccessRule(pathPrefix: "/reports/", methods: ["post"], roles: ["MANAGER"]),
    ])

    @Test(arguments: PathSpelling.admin)
    func everySpellingOfAProtectedPathIsRefused(spelling: PathSpelling) {
        let path = RequestPath(target: spelling.target)
        switch spelling.status {
        case 400: #expect(path == nil)
        case 403:
            #expect(path.map { Self.rules.allows(role: "DEVELOPER", method: .GET, path: $0) } == false)
            #expect(path.map { Self.rules.allows(role: "ADMINISTRATOR", method: .GET, path: $0) } == true)
        default:
            #expect(path.map { Self.rules.allows(role: "DEVELOPER", method: .GET, path: $0) } == true)
        }
        // The table itself: every spelling some framework serves as /admin/ is denied.
        if !spelling.servedAsAdminBy.isEmpty { #expect(spelling.status != 200) }
    }

    @Test(arguments: ["/", "/public/a.css", "/a/b?x=/../y", "/files/report..pdf", "/.well-known/x", "/a%20b", "/caf%C3%A9", "/a/...", "/%25"])
    func plainTargetsAreAccepted(target: String) {
        #expect(RequestPath(target: target) != nil)
    }

    @Test(arguments: [
        "/public/../admin", "/public/./x", "/public/..", "/public/%2e%2e/admin", "/public/.%2E/admin", "/public/%2E/x", "/public%2f..%2fadmin",
        "/public/..\\admin", "/public\\..\\admin", "/a%5cb", "/a%00b", "/a%zz", "/a%2", "http://evil/public/", "public/x", "*", "/a/..;/b",
        "/a/.;x/b",
        "/a%0a", "/a%7f", "/public/..#", "/admin#x", "/a%C0%AE%C0%AE/b", "/a%FFb", "/ſtatic/x",
    ])
    func confusingTargetsAreRefused(target: String) {
        #expect(RequestPath(target: target) == nil)
    }

    @Test func theCommonPathNeedsNoOtherReading() throws {
        #expect(try #require(RequestPath(target: "/dashboard/42?tab=a")).isUnambiguous)
        #expect(try #require(RequestPath(target: "/Dashboard/Reports")).isUnambiguous)
        #expect(try #require(RequestPath(target: "/a%20b")).readings == ["/a b"])
        #expect(try #require(RequestPath(target: "//a;x/b")).readings.contains("/a/b"))
    }

    @Test func aPostMeetsARuleForTheMethodsAnOverrideCanMakeOfIt() throws {
        let rules = AccessRules([AccessRule(pathPrefix: "/admin/", methods: ["DELETE", "PUT"], roles: ["ADMINISTRATOR"])])
        let path = try #require(RequestPath(target: "/admin/users/7"))
        // `_method=DELETE` in the body turns this POST into a DELETE in Rails, Laravel and Express.
        #expect(!rules.allows(role: "DEVELOPER", method: .POST, path: path))
        #expect(rules.allows(role: "DEVELOPER", method: .GET, path: path))
        let postOnly = AccessRules([AccessRule(pathPrefix: "/admin/", methods: ["GET"], roles: ["ADMINISTRATOR"])])
        #expect(postOnly.allows(role: "DEVELOPER", method: .POST, path: path))
    }

    @Test func headIsGetAndAnUnknownMethodMeetsEveryRule() throws {
        let exports = try #require(RequestPath(target: "/exports/1"))
        #expect(!Self.rules.allows(role: "DEVELOPER", method: .HEAD, path: exports))
        #expect(Self.rules.allows(role: "DEVELOPER", method: .POST, path: exports))
        let reports = try #require(RequestPath(target: "/Reports/1"))
        #expect(!Self.rules.allows(role: "DEVELOPER", method: .POST, path: reports))
        #expect(Self.rules.allows(role: "DEVELOPER", method: .GET, path: reports))
        #expect(!Self.rules.allows(role: "DEVELOPER", method: nil, path: reports))
    }

    @Test(arguments: [
        ("/public/a", true), ("/public/a;x", true), ("/public/a%20b", true), ("/healthz", true),
        // A public path grants access: only a spelling that every reader reads as public is public.
        ("/Public/a", false), ("/%70ublic/a", false), ("//public/a", false), ("/public;x/a", false), ("/healthz;x", false), ("/healthz/", false),
        ("/healthz%3b", false), ("/%68ealthz", false), ("/HEALTHZ", false), ("/x/public/a", false),
    ])
    func publicPathsMatchStrictly(target: String, isPublic: Bool) throws {
        let yaml = """
            public_url: https://dash.example.com
            upstream: http://127.0.0.1:3000
            store: sqlite:/tmp/unused.db
            public_paths: ["^/public/", "^/healthz$"]
            """
        let policy = try ProxyPolicy(configuration: try ConfigLoader.parse(yaml: yaml).get())
        #expect(policy.isPublic(try #require(RequestPath(target: target))) == isPublic)
    }
}
