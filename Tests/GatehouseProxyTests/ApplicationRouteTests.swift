import NIOHTTP1
import Testing

@testable import GatehouseProxy

/// Which application route takes a path, and how the gate answers without a session.
@Suite struct ApplicationRouteTests {
    static func route(_ name: String, _ matches: [ApplicationRoute.Match]) -> ApplicationRoute {
        ApplicationRoute(
            matches: matches, serving: .applicationSocket, routeClass: RouteClass(rawValue: name), maximumBodyBytes: 1,
            bodyTooLarge: LocalResponse(status: .payloadTooLarge, headers: HTTPHeaders(), body: name))
    }

    // Most specific first, as Server lists them.
    static let routes = [
        route("messages", [.prefix("/own/messages/")]), route("own", [.prefix("/own/"), .exactly("/own")]), route("api", [.prefix("/api/")]),
    ]

    @Test(
        arguments: [
            ("/own/messages/x", "messages"), ("/own/messages/", "messages"), ("/own/messages", "own"), ("/own/", "own"), ("/own", "own"),
            ("/api/v2/Users", "api"), ("/owner", nil), ("/Own/", nil), ("/ownx", nil), ("/", nil), ("/api", nil),
        ] as [(String, String?)])
    func theFirstRouteThatTakesThePathWins(path: String, route: String?) {
        #expect(Self.routes.route(for: Substring(path))?.routeClass.rawValue == route)
    }

    @Test func onlyAnInProcessRouteNamesItsApplication() {
        #expect(Self.routes[0].inProcessApplication == nil)
    }

    @Test func aPageLoadIsRedirectedAndAnythingElseGetsTheAPIAnswer() {
        let gate = LoginRequired(loginPath: "/in/login", apiResponse: .json(.unauthorized, "{}"))
        let page = gate.response(method: .GET, uri: "/a b?x=1&y=/", wantsJSON: false)
        #expect(page.status == .found)
        #expect(page.headers.first(name: "Location") == "/in/login?return_to=/a%20b%3Fx%3D1%26y%3D/")
        #expect(page.headers.first(name: "Cache-Control") == "no-store")
        #expect(page.body.isEmpty)
        #expect(gate.response(method: .HEAD, uri: "/", wantsJSON: false).status == .found)
        for (method, wantsJSON) in [(HTTPMethod.GET, true), (.POST, false), (.DELETE, false)] {
            let answer = gate.response(method: method, uri: "/", wantsJSON: wantsJSON)
            #expect(answer.status == .unauthorized)
            #expect(answer.headers.first(name: "Content-Type") == "application/json")
            #expect(answer.body == "{}")
        }
    }
}
