import Foundation
import GatehouseSCIM
import Testing

/// Headers and framing an attacker controls: forwarding headers in every spelling, two Hosts,
/// upgrades that were not switched, HEAD framing, and cookies an upstream tries to set.
@Suite struct HeaderHygieneTests {
    static let yaml = "public_paths: [\"^/public/\", \"^/chunked$\", \"^/set-cookies$\"]\n"

    /// Every spelling of the headers frameworks read as the client's address, scheme, host or URL.
    static let forwardingSpellings = [
        "X-Forwarded-For: 6.6.6.6", "x_forwarded_for: 6.6.6.6", "X-Forwarded-Host: evil.example", "X_FORWARDED_HOST: evil.example",
        "X-Forwarded-Proto: https", "x-forwarded_proto: https", "X-Forwarded-Port: 443", "X-Forwarded-Prefix: /admin",
        "X-Forwarded-Server: evil", "X-Forwarded-Ssl: on", "X-Forwarded-Scheme: https", "X-Forwarded-Uri: /admin/", "X-Forwarded-Method: DELETE",
        "Forwarded: for=6.6.6.6;host=evil.example;proto=https", "X-Original-URL: /admin/", "x_original_url: /admin/",
        "X-Original-URI: /admin/", "X-Rewrite-URL: /admin/", "X_Rewrite_Url: /admin/", "X-Real-IP: 6.6.6.6", "x_real_ip: 6.6.6.6",
        "X-REAL-IP: 6.6.6.6", "True-Client-IP: 6.6.6.6", "X-Client-IP: 6.6.6.6", "X-Cluster-Client-IP: 6.6.6.6", "X-Original-Host: evil.example",
        "X-Host: evil.example", "Client-IP: 6.6.6.6", "CF-Connecting-IP: 6.6.6.6", "Fastly-Client-IP: 6.6.6.6", "X-Originating-IP: 6.6.6.6",
        "X-Remote-IP: 6.6.6.6", "X-Remote-Addr: 6.6.6.6", "X-Forwarded: for=6.6.6.6", "Forwarded-For: 6.6.6.6", "Front-End-Https: on",
        "X-Url-Scheme: https", "X-Scheme: https", "client_ip: 6.6.6.6",
    ]

    @Test func forwardingHeadersFromAnUntrustedPeerAreRemovedInEverySpelling() async throws {
        try await TestGatehouse.with(extraYAML: Self.yaml) { gatehouse in
            let response = try await RawHTTP.get(port: gatehouse.ports.proxy, "/public/echo", headers: Self.forwardingSpellings)
            #expect(response.status == 200)
            let received = try response.upstreamHeaders()
            let values = received.map(\.value)
            #expect(!values.contains { $0.contains("6.6.6.6") || $0.contains("evil") || $0.contains("/admin") || $0 == "https" })
            // Only Gatehouse's own, once each.
            #expect(try response.upstreamHeader("X-Forwarded-For") == ["127.0.0.1"])
            #expect(try response.upstreamHeader("X-Forwarded-Proto") == ["http"])
            #expect(try response.upstreamHeader("X-Forwarded-Host") == ["127.0.0.1:\(gatehouse.ports.proxy)"])
            let underscored = received.filter { $0.name.contains("_") }
            #expect(underscored.isEmpty, "\(underscored)")
            // Of every name sent, only Gatehouse's own three arrive.
            let sent = Set(Self.forwardingSpellings.map { $0.prefix { $0 != ":" }.lowercased().replacingOccurrences(of: "_", with: "-") })
            let arrived = Set(received.map { $0.name.lowercased() }).intersection(sent)
            #expect(arrived == ["x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"])
        }
    }

    @Test func fromATrustedProxyForwardingHeadersAreBelieved() async throws {
        try await TestGatehouse.with(extraYAML: Self.yaml + "trusted_proxies: [127.0.0.1/32]\n") { gatehouse in
            let response = try await RawHTTP.get(
                port: gatehouse.ports.proxy, "/public/echo",
                headers: ["X-Forwarded-For: 10.1.2.3", "X-Forwarded-Proto: https", "X-Real-IP: 10.1.2.3"])
            #expect(try response.upstreamHeader("X-Forwarded-For") == ["10.1.2.3, 127.0.0.1"])
            #expect(try response.upstreamHeader("X-Forwarded-Proto") == ["https"])
            #expect(try response.upstreamHeader("X-Real-IP") == ["10.1.2.3"])
        }
    }

    @Test(arguments: [
        ["Host: a.example", "Host: b.example"], ["Host: a.example", "host: a.example"], ["Host: a.example, b.example"], ["Host: a.example b"],
    ])
    func twoHostsAreABadRequest(hosts: [String]) async throws {
        try await TestGatehouse.with(extraYAML: Self.yaml) { gatehouse in
            let request = (["GET /public/echo HTTP/1.1"] + hosts + ["Connection: close", "", ""]).joined(separator: "\r\n")
            let response = try await RawHTTP.exchange(port: gatehouse.ports.proxy, request)
            #expect(response.status == 400)
        }
    }

    /// An upgrade request answered without a 101 must end its connection: NIO's decoder parses
    /// nothing after such a request, so a next request would never be answered and its bytes
    /// would pile up in memory.
    @Test(arguments: ["/public/echo", "/private/page"])
    func anUpgradeThatWasNotSwitchedEndsTheConnection(path: String) async throws {
        try await TestGatehouse.with(extraYAML: Self.yaml) { gatehouse in
            let upgrade =
                "GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
            let next = "GET /public/echo HTTP/1.1\r\nHost: x\r\n\r\n"
            let (raw, closed) = try await RawHTTP.exchange(port: gatehouse.ports.proxy, upgrade + next, within: 20)
            #expect(closed, "the connection was left open after a refused upgrade")
            let statuses = raw.components(separatedBy: "\r\n").filter { $0.hasPrefix("HTTP/1.1 ") }
            #expect(statuses.count == 1)
            #expect(raw.lowercased().contains("connection: close"))
        }
    }

    /// `Connection: content-length` must not strip the body's framing: the upstream would read
    /// the body of a GET as a second request, past the gate, with headers of the attacker's choosing.
    @Test func aBodyCannotBecomeASecondRequestUpstream() async throws {
        try await TestGatehouse.with(extraYAML: Self.yaml) { gatehouse in
            let smuggled = "GET /private/x HTTP/1.1\r\nHost: x\r\nX-Forwarded-Role: ADMINISTRATOR\r\n\r\n"
            for connection in ["content-length", "Content-Length, close", "keep-alive, content-length"] {
                let request =
                    "GET /public/echo HTTP/1.1\r\nHost: x\r\nConnection: \(connection)\r\nContent-Length: \(smuggled.utf8.count)\r\n\r\n"
                    + smuggled
                let (raw, _) = try await RawHTTP.exchange(port: gatehouse.ports.proxy, request, within: 20)
                let response = RawResponse(raw)
                #expect(response.status == 200)
                #expect(response.body.contains(#""body_bytes":\#(smuggled.utf8.count)"#), "\(connection): \(response.body)")
            }
        }
    }

    @Test(arguments: ["TRACE", "CONNECT"])
    func tunnelsAndTracesAreNotServed(method: String) async throws {
        try await TestGatehouse.with(extraYAML: Self.yaml) { gatehouse in
            let body = "GET /private/x HTTP/1.1\r\nHost: x\r\n\r\n"
            let request =
                "\(method) /public/echo HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
                + String(repeating: "x", count: 4096)
            let (raw, closed) = try await RawHTTP.exchange(port: gatehouse.ports.proxy, request, within: 20)
            #expect(RawResponse(raw).status == 405)
            #expect(closed)
            #expect(raw.components(separatedBy: "HTTP/1.1 ").count == 2)
        }
    }

    @Test func onlyAWebSocketUpgradeIsForwarded() async throws {
        try await TestGatehouse.with(extraYAML: Self.yaml) { gatehouse in
            let request =
                "GET /public/echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n"
            let (raw, closed) = try await RawHTTP.exchange(port: gatehouse.ports.proxy, request, within: 20)
            #expect(closed)
            let response = RawResponse(raw)
            #expect(response.status == 200)
            #expect(try response.upstreamHeader("Upgrade").isEmpty)
        }
    }

    /// A HEAD answered with a chunked (length-less) response has no body and no chunk terminator:
    /// two HEADs and a GET pipelined on one connection come back as exactly three responses.
    @Test func headResponsesCarryNoBodyOrTerminator() async throws {
        try await TestGatehouse.with(extraYAML: Self.yaml) { gatehouse in
            let request =
                "HEAD /chunked HTTP/1.1\r\nHost: x\r\n\r\nHEAD /public/echo HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /chunked HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            let (raw, closed) = try await RawHTTP.exchange(port: gatehouse.ports.proxy, request, within: 20)
            #expect(closed)
            let parts = raw.components(separatedBy: "\r\n\r\n")
            // head, head, head + chunked body ("d\r\nchunked body\n\r\n0") and the empty rest.
            #expect(parts.count == 5, "\(raw)")
            #expect(parts[1].hasPrefix("HTTP/1.1 200"), "\(raw)")
            #expect(parts[2].hasPrefix("HTTP/1.1 200"), "\(raw)")
            #expect(parts[3].contains("chunked body"))
        }
    }

    @Test func anUpstreamCannotSetGatehouseCookies() async throws {
        try await TestGatehouse.with(extraYAML: Self.yaml) { gatehouse in
            let response = try await RawHTTP.get(port: gatehouse.ports.proxy, "/set-cookies")
            #expect(response.status == 200)
            let cookies = response.headers.filter { $0.name.lowercased() == "set-cookie" }.map(\.value)
            #expect(cookies == ["app_theme=dark; Path=/"])
        }
    }
}
