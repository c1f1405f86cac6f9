import Testing

@Suite struct PipeliningTests {
    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await TestGatehouse.with(extraYAML: "public_paths: [\"^/public/\", \"^/slow$\"]\n") { gatehouse in
            let requests = [
                "GET /slow?ms=200 HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /private HTTP/1.1\r\nHost: x\r\n\r\n",
                "POST /public/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
                "GET /public/last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            ].joined()
            let response = try await RawHTTP.exchange(port: gatehouse.ports.proxy, requests)
            // Bodies have no trailing newline, so status lines are found by pattern (CRLF is one Character).
            let statusLines = response.raw.matches(of: /HTTP\/1\.1 [0-9]{3} [A-Za-z ]+\r\n/).map { String($0.output.dropLast()) }
            #expect(statusLines == ["HTTP/1.1 200 OK", "HTTP/1.1 302 Found", "HTTP/1.1 200 OK", "HTTP/1.1 200 OK"])
            let slow = try #require(response.raw.range(of: "slow done"))
            let echo = try #require(response.raw.range(of: #""uri":"/public/echo","body_bytes":5"#))
            let last = try #require(response.raw.range(of: #""uri":"/public/last""#))
            #expect(slow.lowerBound < echo.lowerBound && echo.lowerBound < last.lowerBound)
        }
    }
}
