import Foundation
import GatehouseSCIM
import Testing

/// SCIM's front door: bearer tokens per tenant (hashes in config), tenant isolation, discovery.
@Suite struct SCIMAuthTests {
    static let acmeToken = "acme-token-0123456789"
    static let otherToken = "other-token-0123456789"
    static let yaml = """
        tenants:
          - id: acme
            email_domains: [acme.com]
            scim_token_sha256: ["\(SCIMBearerToken.hash("rotated-out-token"))", "\(SCIMBearerToken.hash(acmeToken))"]
          - id: other
            email_domains: [other.com]
            scim_token_sha256: ["\(SCIMBearerToken.hash(otherToken))"]

        """

    static func get(_ gatehouse: TestGatehouse, _ path: String, token: String?) async throws -> RawResponse {
        try await RawHTTP.get(port: gatehouse.ports.proxy, path, headers: token.map { ["Authorization: Bearer \($0)"] } ?? [])
    }

    static func json(_ response: RawResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any])
    }

    @Test func withoutAValidTokenIt401sAndAnotherTenantsTokenGets404() async throws {
        try await TestGatehouse.with(extraYAML: Self.yaml) { gatehouse in
            let none = try await Self.get(gatehouse, "/scim/v2/acme/ServiceProviderConfig", token: nil)
            #expect(none.status == 401)
            #expect(none.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
            #expect(none.header("Content-Type") == "application/scim+json")
            let body = try Self.json(none)
            #expect(body["status"] as? String == "401")
            #expect(body["schemas"] as? [String] == [SCIMError.schema])
            #expect(try await Self.get(gatehouse, "/scim/v2/acme/ServiceProviderConfig", token: "wrong").status == 401)
            // Tenant other's token on tenant acme: 404, as if acme did not exist.
            #expect(try await Self.get(gatehouse, "/scim/v2/acme/Users", token: Self.otherToken).status == 404)
            #expect(try await Self.get(gatehouse, "/scim/v2/acme/ServiceProviderConfig", token: Self.acmeToken).status == 200)
            #expect(try await Self.get(gatehouse, "/scim/v2/other/ServiceProviderConfig", token: Self.otherToken).status == 200)
        }
    }

    @Test func discoveryDeclaresTheRoleAttribute() async throws {
        try await TestGatehouse.with(extraYAML: Self.yaml) { gatehouse in
            let config = try Self.json(try await Self.get(gatehouse, "/scim/v2/acme/ServiceProviderConfig", token: Self.acmeToken))
            #expect((config["patch"] as? [String: Any])?["supported"] as? Bool == true)
            let types = try Self.json(try await Self.get(gatehouse, "/scim/v2/acme/ResourceTypes", token: Self.acmeToken))
            #expect(types["totalResults"] as? Int == 2)
            let user = try Self.json(
                try await Self.get(gatehouse, "/scim/v2/acme/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", token: Self.acmeToken))
            let attributes = try #require(user["attributes"] as? [[String: Any]])
            let role = try #require(attributes.first { $0["name"] as? String == "role" })
            #expect(role["canonicalValues"] as? [String] == SCIMDiscovery.roles)
            #expect(role["type"] as? String == "string")
            #expect(role["multiValued"] as? Bool == false)
            #expect(try await Self.get(gatehouse, "/scim/v2/acme/Schemas/urn:nope", token: Self.acmeToken).status == 404)
        }
    }

    @Test func unknownPathsAndWrongMethodsAreSCIMErrors() async throws {
        try await TestGatehouse.with(extraYAML: Self.yaml) { gatehouse in
            let unknown = try await Self.get(gatehouse, "/scim/v2/acme/Nope", token: Self.acmeToken)
            #expect(unknown.status == 404)
            #expect(try Self.json(unknown)["status"] as? String == "404")
            let wrongMethod = try await RawHTTP.exchange(
                port: gatehouse.ports.proxy,
                [
                    "DELETE /scim/v2/acme/ServiceProviderConfig HTTP/1.1", "Host: x", "Authorization: Bearer \(Self.acmeToken)", "Connection: close",
                    "", "",
                ]
                .joined(separator: "\r\n"))
            #expect(wrongMethod.status == 405)
            #expect(try Self.json(wrongMethod)["status"] as? String == "405")
        }
    }
}
