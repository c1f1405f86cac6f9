import Foundation
import GatehouseSCIM
import Testing

/// SCIM is answered inside the front proxy (no hop to the application socket): bodies are bounded
/// by `proxy.max_app_body_bytes` with a SCIM-shaped 413, pipelined requests are answered in order,
/// and the access log still sees each request with its route.
@Suite struct SCIMInProcessTests {
    @Test func anOversizedBodyIsA413InTheSCIMSchema() async throws {
        try await TestGatehouse.with(extraYAML: SCIMOktaSequenceTests.yaml() + "proxy:\n  max_app_body_bytes: 2048\n") { gatehouse in
            let scim = SCIMClient(port: gatehouse.ports.proxy, token: SCIMOktaSequenceTests.token)
            let padding = String(repeating: "x", count: 4_000)
            let big = try await scim.post("/Users", SCIMOktaSequenceTests.oktaUser("a@acme.com").replacingOccurrences(of: "Test User", with: padding))
            #expect(big.status == 413)
            #expect(big.raw.header("Content-Type") == "application/scim+json")
            #expect(big["schemas"] as? [String] == [SCIMError.schema])
            #expect(big["status"] as? String == "413")
            // Just under the limit is served.
            #expect(try await scim.post("/Users", SCIMOktaSequenceTests.oktaUser("a@acme.com")).status == 201)
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await SCIMOktaSequenceTests.with { gatehouse, _ in
            let body = SCIMOktaSequenceTests.oktaUser("p@acme.com")
            let auth = "Authorization: Bearer \(SCIMOktaSequenceTests.token)"
            let requests = [
                "POST /scim/v2/acme/Users HTTP/1.1\r\nHost: x\r\n\(auth)\r\nContent-Type: application/scim+json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)",
                "GET /scim/v2/acme/Users?filter=\(SCIMClient.query(#"userName eq "p@acme.com""#)) HTTP/1.1\r\nHost: x\r\n\(auth)\r\n\r\n",
                "GET /scim/v2/acme/ServiceProviderConfig HTTP/1.1\r\nHost: x\r\n\(auth)\r\nConnection: close\r\n\r\n",
            ]
            let raw = try await RawHTTP.exchange(port: gatehouse.ports.proxy, requests.joined()).raw
            // Each response follows the previous body directly.
            let statuses = raw.components(separatedBy: "HTTP/1.1 ").dropFirst().map { String($0.prefix(3)) }
            #expect(statuses == ["201", "200", "200"])
            #expect(raw.contains(#""totalResults":1"#))
            #expect(raw.range(of: "\"userName\":\"p@acme.com\"") != nil)
        }
    }
}
