import Foundation
import GatehouseSCIM
import Testing

/// Each of Gatehouse's own routes takes a body up to its own limit and refuses a larger one with
/// a 413 in its shape, on the declared size or, for a chunked body, where it passes the limit.
@Suite struct RouteBodyLimitTests {
    static let yaml = """
        proxy:
          max_saml_body_bytes: 4096
          max_scim_body_bytes: 2048
          max_form_body_bytes: 512

        """

    static func post(_ port: Int, _ path: String, body: String, chunked: Bool = false, type: String = "application/x-www-form-urlencoded")
        async throws -> RawResponse
    {
        let framing = chunked ? "Transfer-Encoding: chunked" : "Content-Length: \(body.utf8.count)"
        let payload = chunked ? String(body.utf8.count, radix: 16) + "\r\n" + body + "\r\n0\r\n\r\n" : body
        let request = "POST \(path) HTTP/1.1\r\nHost: x\r\nContent-Type: \(type)\r\n\(framing)\r\nConnection: close\r\n\r\n" + payload
        return try await RawHTTP.exchange(port: port, request)
    }

    @Test(arguments: [false, true])
    func signInFormsAndSAMLMessagesOverTheirLimitGetAPage(chunked: Bool) async throws {
        try await TestGatehouse.with(extraYAML: SignInFlowTests.yaml() + Self.yaml) { gatehouse in
            let port = gatehouse.ports.proxy
            let login = try await Self.post(port, "/sso/login", body: "email=" + String(repeating: "a", count: 600), chunked: chunked)
            #expect(login.status == 413)
            #expect(login.header("Content-Type") == "text/html; charset=utf-8")
            #expect(login.body.contains("too large"))
            let acs = try await Self.post(port, "/sso/saml/acme/acs", body: "SAMLResponse=" + String(repeating: "A", count: 5000), chunked: chunked)
            #expect(acs.status == 413)
            #expect(acs.header("Content-Type") == "text/html; charset=utf-8")
            // Within the limits the routes answer as usual.
            let fits = try await Self.post(port, "/sso/login", body: "email=alice%40acme.com", chunked: chunked)
            #expect(fits.status != 413 && fits.status != 0)
            let small = try await Self.post(port, "/sso/saml/acme/acs", body: "SAMLResponse=" + String(repeating: "A", count: 3000), chunked: chunked)
            #expect(small.status != 413 && small.status != 0)
        }
    }

    @Test(arguments: [false, true])
    func scimOverItsLimitGetsASCIMError(chunked: Bool) async throws {
        try await TestGatehouse.with(extraYAML: SignInFlowTests.yaml() + Self.yaml) { gatehouse in
            let body = #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"\#(String(repeating: "b", count: 3000))"}"#
            let response = try await Self.post(
                gatehouse.ports.proxy, "/scim/v2/acme/Users", body: body, chunked: chunked, type: "application/scim+json")
            #expect(response.status == 413)
            #expect(response.header("Content-Type") == "application/scim+json")
            #expect(response.body.contains("urn:ietf:params:scim:api:messages:2.0:Error"))
        }
    }
}
