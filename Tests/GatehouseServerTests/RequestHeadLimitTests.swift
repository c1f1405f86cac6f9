import GatehouseProxy
import Testing

/// `proxy.max_header_bytes`, `max_header_count` and `max_uri_bytes` (defaults 32 KiB, 100, 8 KiB):
/// what each oversized head gets, and that heads just under the limits pass.
@Suite struct RequestHeadLimitTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let target: String
        let headers: [String]
        let status: Int
        let limit: FrontLimit?
        var testDescription: String { name }
    }

    static func many(_ count: Int) -> [String] { (0..<count).map { "X-Header-\($0): v" } }
    static func long(_ bytes: Int) -> String { String(repeating: "a", count: bytes) }

    // RawHTTP.get adds Host and Connection: two fields, 30 bytes or so.
    static let cases: [Case] = [
        Case(name: "97 extra headers (99 in all) pass", target: "/public/x", headers: many(97), status: 200, limit: nil),
        Case(name: "99 extra headers (101 in all)", target: "/public/x", headers: many(99), status: 431, limit: .headerCount),
        Case(name: "150 headers", target: "/public/x", headers: many(150), status: 431, limit: .headerCount),
        Case(name: "5,000 headers (the parser's bound)", target: "/public/x", headers: many(5_000), status: 431, limit: .headOverflow),
        Case(name: "a 30 KiB header passes", target: "/public/x", headers: ["X-Big: " + long(30 << 10)], status: 200, limit: nil),
        Case(name: "one 33 KiB header", target: "/public/x", headers: ["X-Big: " + long(33 << 10)], status: 431, limit: .headerBytes),
        Case(name: "a 36 KiB cookie", target: "/public/x", headers: ["Cookie: a=" + long(36 << 10)], status: 431, limit: .headerBytes),
        Case(name: "a 1 MiB cookie", target: "/public/x", headers: ["Cookie: a=" + long(1 << 20)], status: 431, limit: .headOverflow),
        Case(
            name: "33 headers of 1 KiB", target: "/public/x", headers: (0..<33).map { "X-H\($0): " + long(1_024) }, status: 431,
            limit: .headerBytes),
        Case(name: "an 8,000-byte target passes", target: "/public/" + long(8_000 - 8), headers: [], status: 200, limit: nil),
        Case(name: "a 9 KiB target", target: "/public/" + long(9 << 10), headers: [], status: 414, limit: .uriBytes),
        Case(name: "a 100 KiB target (the parser's bound)", target: "/public/" + long(100 << 10), headers: [], status: 431, limit: .headOverflow),
    ]

    @Test(arguments: cases) func eachHeadGetsItsStatus(_ testCase: Case) async throws {
        try await TestGatehouse.with(extraYAML: "public_paths: [\"^/public/\"]\n") { gatehouse in
            let response = try await RawHTTP.get(port: gatehouse.ports.proxy, testCase.target, headers: testCase.headers)
            #expect(response.status == testCase.status, "\(response.raw.prefix(200))")
            for limit in FrontLimit.allCases {
                #expect(gatehouse.frontLimitHits(limit) == (limit == testCase.limit ? 1 : 0), "\(limit)")
            }
            if testCase.limit != nil {
                #expect(response.header("connection") == "close")
            }
        }
    }

    @Test func theRefusalIsLoggedWithItsReasonAndNoHeaderValue() async throws {
        let logs = try FileLogSink()
        try await TestGatehouse.with(extraYAML: "public_paths: [\"^/public/\"]\n", sink: logs.sink) { gatehouse in
            let response = try await RawHTTP.get(port: gatehouse.ports.proxy, "/public/x", headers: ["Cookie: secret=" + Self.long(40_000)])
            #expect(response.status == 431)
            let line = try #require(try logs.lines(containing: "max_header_bytes").first)
            #expect(line.contains("bytes of header names and values, over 32768"))
            #expect(line.contains(#""peer":"127.0.0.1""#))
            #expect(!line.contains("secret"))
        }
    }

    @Test func anOversizedHeadPipelinedBehindARequestIsRefusedAfterItsAnswer() async throws {
        try await TestGatehouse.with(extraYAML: "public_paths: [\"^/public/\", \"^/slow$\"]\n") { gatehouse in
            let requests =
                "GET /slow?ms=200 HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /public/x HTTP/1.1\r\nHost: x\r\n" + Self.many(200).joined(separator: "\r\n") + "\r\n\r\n"
            let response = try await RawHTTP.exchange(port: gatehouse.ports.proxy, requests)
            let statusLines = response.raw.matches(of: /HTTP\/1\.1 [0-9]{3} [A-Za-z ]+\r\n/).map { String($0.output.dropLast()) }
            #expect(statusLines == ["HTTP/1.1 200 OK", "HTTP/1.1 431 Request Header Fields Too Large"])
            #expect(response.raw.contains("slow done"))
        }
    }

    @Test func smallerConfiguredLimitsApply() async throws {
        let yaml = "public_paths: [\"^/public/\"]\nproxy:\n  max_header_bytes: 2048\n  max_header_count: 10\n  max_uri_bytes: 512\n"
        try await TestGatehouse.with(extraYAML: yaml) { gatehouse in
            let port = gatehouse.ports.proxy
            let eightMore = try await RawHTTP.get(port: port, "/public/x", headers: Self.many(8))
            let nineMore = try await RawHTTP.get(port: port, "/public/x", headers: Self.many(9))
            let big = try await RawHTTP.get(port: port, "/public/x", headers: ["X-Big: " + Self.long(2_100)])
            let longTarget = try await RawHTTP.get(port: port, "/public/" + Self.long(600))
            #expect([eightMore.status, nineMore.status, big.status, longTarget.status] == [200, 431, 431, 414])
            #expect(gatehouse.frontLimitHits(.headerCount) == 1)
            #expect(gatehouse.frontLimitHits(.headerBytes) == 1)
            #expect(gatehouse.frontLimitHits(.uriBytes) == 1)
        }
    }
}
