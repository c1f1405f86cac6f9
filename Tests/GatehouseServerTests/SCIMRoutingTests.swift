import Foundation
import GatehouseSCIM
import Testing

/// SCIM's routes as a client meets them: every path and method gets the status the RFC and the old
/// switch router gave, SCIM-shaped; and no path answers before the bearer token is checked.
@Suite struct SCIMRoutingTests {
    static let token = "acme-token-0123456789"
    static let yaml = """
        tenants:
          - id: acme
            email_domains: [acme.com]
            scim_token_sha256: ["\(SCIMBearerToken.hash(token))"]

        """

    static let table: [(method: String, path: String, status: Int)] = [
        ("GET", "ServiceProviderConfig", 200), ("POST", "ServiceProviderConfig", 405), ("GET", "ServiceProviderConfig/x", 404),
        ("GET", "ResourceTypes", 200), ("GET", "ResourceTypes/User", 200), ("GET", "ResourceTypes/Nope", 404),
        ("PUT", "ResourceTypes/User", 405), ("GET", "ResourceTypes/User/x", 404), ("GET", "Schemas", 200), ("DELETE", "Schemas", 405),
        ("GET", "Schemas/urn:ietf:params:scim:schemas:core:2.0:Group", 200), ("GET", "Users", 200), ("PUT", "Users", 405),
        ("DELETE", "Users", 405), ("PATCH", "Groups", 405), ("GET", "Groups", 200), ("GET", "Users/nope", 404), ("DELETE", "Users/nope", 404),
        ("PUT", "Users/nope", 404), ("POST", "Users/nope", 405), ("POST", "Users/.search", 200), ("POST", "Groups/.search", 200),
        ("GET", "Users/nope/x", 404), ("GET", "Groups/nope/members", 404), ("POST", ".search", 200), ("GET", ".search", 405),
        ("GET", ".search/x", 404), ("GET", "Nope", 404), ("DELETE", "Nope", 404), ("GET", "Me", 404), ("GET", "Bulk", 404),
    ]

    static func send(_ gatehouse: TestGatehouse, _ method: String, _ path: String, token: String?) async throws -> RawResponse {
        let body = method == "POST" || method == "PUT" || method == "PATCH" ? "{}" : ""
        var lines = ["\(method) /scim/v2/acme/\(path) HTTP/1.1", "Host: x", "Connection: close", "Content-Type: application/scim+json"]
        if let token { lines.append("Authorization: Bearer \(token)") }
        lines += ["Content-Length: \(body.utf8.count)", "", body]
        return try await RawHTTP.exchange(port: gatehouse.ports.proxy, lines.joined(separator: "\r\n"))
    }

    @Test func everyPathAndMethodGetsItsStatus() async throws {
        try await TestGatehouse.with(extraYAML: Self.yaml) { gatehouse in
            for (method, path, status) in Self.table {
                let response = try await Self.send(gatehouse, method, path, token: Self.token)
                #expect(response.status == status, "\(method) \(path)")
                #expect(response.header("Content-Type") == "application/scim+json", "\(method) \(path)")
                if status != 200 {
                    let body = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
                    #expect(body?["status"] as? String == String(status), "\(method) \(path)")
                }
            }
        }
    }

    @Test func nothingAnswersBeforeTheToken() async throws {
        try await TestGatehouse.with(extraYAML: Self.yaml) { gatehouse in
            for (method, path, _) in Self.table {
                let none = try await Self.send(gatehouse, method, path, token: nil)
                let wrong = try await Self.send(gatehouse, method, path, token: "wrong")
                #expect(none.status == 401, "\(method) \(path)")
                #expect(wrong.status == 401, "\(method) \(path)")
            }
        }
    }
}
