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
            let answer1 = try await RawHTTP.get(port: port, "/public/a?x=1")
            #expect(answer1.status == 200)
            let answer2 = try await RawHTTP.get(port: port, "/exact?anything=/public/")
            #expect(answer2.status == 200)
            let answer3 = try await RawHTTP.get(port: port, "/assets/site.css")
            #expect(answer3.status == 200)
            // The query string must never make a private path public.
            let answer4 = try await RawHTTP.get(port: port, "/private?/public/")
            #expect(answer4.status == 302)
            let answer5 = try await RawHTTP.get(port: port, "/private?x=/exact")
            #expect(answer5.status == 302)
            let answer6 = try await RawHTTP.get(port: port, "/exactly")
            #expect(answer6.status == 302)
            let answer7 = try await RawHTTP.get(port: port, "/assets/site.css.js")
            #expect(answer7.status == 302)
        }
    }

    @Test func signInAndSCIMPathsGoToGatehouseItself() async throws {
        try await TestGatehouse.with(extraYAML: Self.yaml) { gatehouse in
            let login = try await RawHTTP.get(port: gatehouse.ports.proxy, "/sso/login")
            #expect(login.status == 503)
            #expect(login.body.contains("Sign-in is not available yet"))
            let scim = try await RawHTTP.get(port: gatehouse.ports.proxy, "/scim/v2/acme/Users")
            #expect(scim.status == 404)
            #expect(scim.header("Content-Type") == "application/scim+json")
            #expect(scim.body.contains("urn:ietf:params:scim:api:messages:2.0:Error"))
        }
    }
}
