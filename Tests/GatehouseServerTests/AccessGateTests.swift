import Testing

@Suite struct AccessGateTests {
    static let yaml = """
        public_paths: ["^/public/", "^/exact$", "^/assets/.*\\\\.css$"]

        """

    @Test func pagesAreRedirectedToSignInWithTheirReturnPath() async throws {
        try await TestGatehouse.with(extraYAML: Self.yaml) { gatehouse in
            let response = try await RawHTTP.get(port: gatehouse.ports.proxy, "/dashboard/42?tab=a%20b", headers: ["Accept: text/html"])
            #expect(response.status == 302)
            #expect(response.header("Location") == "/sso/login?return_to=/dashboard/42%3Ftab%3Da%2520b")
        }
    }

    @Test(arguments: [
        ["Accept: application/json"], ["X-Requested-With: XMLHttpRequest"],
    ])
    func apiCallsGet401JSON(headers: [String]) async throws {
        try await TestGatehouse.with(extraYAML: Self.yaml) { gatehouse in
            let response = try await RawHTTP.get(port: gatehouse.ports.proxy, "/api/things", headers: headers)
            #expect(response.status == 401)
            #expect(response.header("Content-Type") == "application/json")
            #expect(response.body.contains(#""error":"unauthenticated""#))
        }
    }

    @Test func aNonGETRequestIsAnAPICall() async throws {
        try await TestGatehouse.with(extraYAML: Self.yaml) { gatehouse in
            let response = try await RawHTTP.exchange(
                port: gatehouse.ports.proxy,
                "POST /api/things HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"
            )
            #expect(response.status == 401)
        }
    }

    @Test func publicPathsMatchThePathNeverTheQuery() async throws {
        try await TestGatehouse.with(extraYAML: Self.yaml) { gatehouse in
            let port = gatehouse.ports.proxy
            let expected = [
                "/public/a?x=1": 200, "/exact?anything=/public/": 200, "/assets/site.css": 200,
                // The query string must never make a private path public.
                "/private?/public/": 302, "/private?x=/exact": 302, "/exactly": 302, "/assets/site.css.js": 302,
            ]
            let statuses = try await RawHTTP.statuses(port: port, Array(expected.keys))
            #expect(statuses == expected)
        }
    }

    @Test func signInAndSCIMPathsGoToGatehouseItself() async throws {
        try await TestGatehouse.with(extraYAML: Self.yaml) { gatehouse in
            let login = try await RawHTTP.get(port: gatehouse.ports.proxy, "/sso/login")
            #expect(login.status == 200)
            #expect(login.body.contains(#"<form method="post" action="/sso/login">"#))
            let scim = try await RawHTTP.get(port: gatehouse.ports.proxy, "/scim/v2/acme/Users")
            #expect(scim.status == 401)
            #expect(scim.header("Content-Type") == "application/scim+json")
            #expect(scim.body.contains("urn:ietf:params:scim:api:messages:2.0:Error"))
        }
    }
}
