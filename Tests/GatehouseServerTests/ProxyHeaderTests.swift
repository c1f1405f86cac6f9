import Testing

@Suite struct ProxyHeaderTests {
    static let publicYAML = """
        public_paths: ["^/public/"]
        identity_headers:
          extra: [X-Auth-Request-User]

        """

    @Test func spoofedIdentityHeadersNeverReachTheUpstreamInAnySpelling() async throws {
        try await TestGatehouse.with(extraYAML: Self.publicYAML) { gatehouse in
            let spoofed = [
                "X-Forwarded-User: a", "x-forwarded-user: b", "X_Forwarded_User: c", "X-FORWARDED_USER: d", "x_forwarded-email: e",
                "X-Forwarded-Role: ADMINISTRATOR", "X-Forwarded-Tenant: other", "X-Gatehouse-Jwt-Assertion: forged",
                "x_gatehouse_jwt_assertion: forged", "X-Auth-Request-User: f", "X_AUTH_REQUEST_USER: g",
            ]
            let response = try await RawHTTP.get(port: gatehouse.ports.proxy, "/public/echo", headers: spoofed + ["X-Kept: yes"])
            #expect(response.status == 200)
            let names = try response.upstreamHeaders().map { $0.name.lowercased().replacingOccurrences(of: "_", with: "-") }
            for forbidden in [
                "x-forwarded-user", "x-forwarded-email", "x-forwarded-role", "x-forwarded-tenant", "x-gatehouse-jwt-assertion", "x-auth-request-user",
            ] {
                #expect(!names.contains(forbidden), "\(forbidden) reached the upstream")
            }
            #expect(try response.upstreamHeader("X-Kept") == ["yes"])
        }
    }

    @Test func hopByHopRequestHeadersAreRemoved() async throws {
        try await TestGatehouse.with(extraYAML: Self.publicYAML) { gatehouse in
            let request = try await RawHTTP.exchange(
                port: gatehouse.ports.proxy,
                [
                    "GET /public/echo HTTP/1.1", "Host: example", "Connection: close, X-Custom-Hop", "X-Custom-Hop: secret",
                    "Keep-Alive: timeout=5", "TE: trailers", "Proxy-Connection: keep-alive", "Upgrade-Insecure-Requests: 1", "", "",
                ].joined(separator: "\r\n")
            )
            #expect(request.status == 200)
            let received = Set(try request.upstreamHeaders().map { $0.name.lowercased() })
            for name in ["x-custom-hop", "keep-alive", "te", "proxy-connection", "upgrade"] {
                #expect(!received.contains(name), "\(name) was forwarded")
            }
            #expect(received.contains("upgrade-insecure-requests"))
        }
    }

    @Test func hopByHopHeadersInTheResponseAreRemoved() async throws {
        try await TestGatehouse.with(extraYAML: #"public_paths: ["^/hop-response$"]"# + "\n") { gatehouse in
            let response = try await RawHTTP.get(port: gatehouse.ports.proxy, "/hop-response")
            #expect(response.status == 200)
            #expect(response.header("X-Hop-Response") == nil)
            #expect(response.header("Keep-Alive") == nil)
            #expect(response.header("Proxy-Connection") == nil)
            #expect(response.header("X-End-To-End") == "kept")
            #expect(response.body == "hop\n")
        }
    }

    @Test func forwardedHeadersFromAnUntrustedPeerAreReplaced() async throws {
        try await TestGatehouse.with(extraYAML: Self.publicYAML) { gatehouse in
            let response = try await RawHTTP.get(
                port: gatehouse.ports.proxy, "/public/echo",
                headers: [
                    "X-Forwarded-For: 6.6.6.6", "X-Forwarded-Proto: https", "X-Forwarded-Host: evil.example", "X-Forwarded-Uri: /public/x",
                    "Forwarded: for=6.6.6.6",
                ]
            )
            #expect(try response.upstreamHeader("X-Forwarded-For") == ["127.0.0.1"])
            #expect(try response.upstreamHeader("X-Forwarded-Proto") == ["http"])
            #expect(try response.upstreamHeader("X-Forwarded-Host") == ["127.0.0.1:\(gatehouse.ports.proxy)"])
            #expect(try response.upstreamHeader("X-Forwarded-Uri") == [])
            #expect(try response.upstreamHeader("Forwarded") == [])
        }
    }

    @Test func forwardedHeadersFromATrustedProxyAreKeptAndExtended() async throws {
        try await TestGatehouse.with(extraYAML: Self.publicYAML + "trusted_proxies: [127.0.0.0/8]\n") { gatehouse in
            let response = try await RawHTTP.get(
                port: gatehouse.ports.proxy, "/public/echo",
                headers: ["X-Forwarded-For: 203.0.113.9", "X-Forwarded-Proto: https", "X-Forwarded-Host: dash.example.com"]
            )
            #expect(try response.upstreamHeader("X-Forwarded-For") == ["203.0.113.9, 127.0.0.1"])
            #expect(try response.upstreamHeader("X-Forwarded-Proto") == ["https"])
            #expect(try response.upstreamHeader("X-Forwarded-Host") == ["dash.example.com"])
        }
    }

    @Test func gatehouseCookiesAreStrippedAndOthersKept() async throws {
        try await TestGatehouse.with(extraYAML: Self.publicYAML) { gatehouse in
            let mixed = try await RawHTTP.get(
                port: gatehouse.ports.proxy, "/public/echo",
                headers: ["Cookie: theme=dark; gatehouse_session=abc.def; __Host-gatehouse_csrf=x", "Cookie: lang=en; gatehouse_pending=1"]
            )
            #expect(try mixed.upstreamHeader("Cookie") == ["theme=dark; lang=en"])
            let onlyOurs = try await RawHTTP.get(port: gatehouse.ports.proxy, "/public/echo", headers: ["Cookie: gatehouse_session=abc"])
            #expect(try onlyOurs.upstreamHeader("Cookie") == [])
        }
    }

    @Test func requestIDsAreKeptWhenPlainAndMadeOtherwise() async throws {
        try await TestGatehouse.with(extraYAML: Self.publicYAML) { gatehouse in
            let kept = try await RawHTTP.get(port: gatehouse.ports.proxy, "/public/echo", headers: ["X-Request-Id: trace-123.abc"])
            #expect(try kept.upstreamHeader("X-Request-Id") == ["trace-123.abc"])
            #expect(kept.header("X-Request-Id") == "trace-123.abc")
            let replaced = try await RawHTTP.get(port: gatehouse.ports.proxy, "/public/echo", headers: ["X-Request-Id: <script>"])
            let made = try replaced.upstreamHeader("X-Request-Id")
            #expect(made.count == 1 && made != ["<script>"] && !made[0].isEmpty)
            #expect(replaced.header("X-Request-Id") == made.first)
        }
    }
}
