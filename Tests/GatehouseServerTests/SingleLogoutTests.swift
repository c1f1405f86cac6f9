import Foundation
import GatehouseSAML
import GatehouseSCIM
import GatehouseXML
import Testing

/// Single logout both ways: the IdP ends a NameID's sessions (a LogoutRequest signed by a Python
/// peer), and signing out here sends a signed LogoutRequest to the IdP.
@Suite struct SingleLogoutTests {
    static let spYAML = """
        sp:
          key_file: \(PythonIdP.fixture("sp.key"))
          cert_file: \(PythonIdP.fixture("sp.crt"))

        """

    static func withSignedIn(_ body: (TestGatehouse, String) async throws -> Void) async throws {
        try await TestGatehouse.with(extraYAML: SignInFlowTests.yaml() + spYAML) { gatehouse in
            await gatehouse.application.metadataService.refreshDue()
            try await gatehouse.application.store.createUser(
                StoredUser(tenantID: "acme", userName: "alice@acme.com", email: "alice@acme.com", role: "ANALYST", createdAt: Date()))
            try await body(gatehouse, try await SignedInProxyTests.signIn(gatehouse))
        }
    }

    /// A signed Redirect-binding LogoutRequest from the Python IdP, issued `issuedSecondsAgo`
    /// before now (negative: in the future).
    static func logoutQuery(
        nameID: String, sessionIndex: String, key: String? = nil, id: String = "id-logout-1", issuedSecondsAgo: Int = 0
    ) throws -> String {
        let result = try PythonIdP.run(
            "idp_logout.py",
            arguments: ["http://127.0.0.1:8080/sso/saml/acme/slo", nameID, sessionIndex] + (key.map { [$0] } ?? [])
                + ["--id", id, "--issued-seconds-ago=\(issuedSecondsAgo)"], input: "")
        #expect(result.status == 0, "\(result.output)")
        return result.output
    }

    @Test func anIdPInitiatedLogoutEndsTheSessionAndAnswersTheIdP() async throws {
        try await Self.withSignedIn { gatehouse, cookie in
            let port = gatehouse.ports.proxy
            #expect(try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: \(cookie)"]).status == 200)
            // The Python IdP's responses carry SessionIndex id-session-1.
            let answered = try await RawHTTP.get(
                port: port, "/sso/saml/acme/slo?" + Self.logoutQuery(nameID: "alice@acme.com", sessionIndex: "id-session-1"))
            #expect(answered.status == 302)
            let location = try #require(answered.header("Location"))
            #expect(location.hasPrefix("https://acme.okta.com/app/acme_dash/exk123/slo/saml?SAMLResponse="))
            #expect(location.contains("&Signature="))
            let query = String(location[location.index(after: location.firstIndex(of: "?")!)...])
            let spKeys = try XMLSignatureKeys(certificatesPEM: [String(contentsOfFile: PythonIdP.fixture("sp.crt"), encoding: .utf8)])
            let response = try RedirectBinding.decode(rawQuery: query, keys: spKeys)
            let root = try #require(try HardenedXMLDocument(parsing: response.xml).root)
            #expect(root.localName == "LogoutResponse")
            #expect(root.attribute("InResponseTo") == "id-logout-1")
            #expect(try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: \(cookie)"]).status == 302)
        }
    }

    @Test func aLogoutRequestNotSignedByTheIdPChangesNothing() async throws {
        try await Self.withSignedIn { gatehouse, cookie in
            let port = gatehouse.ports.proxy
            let forged = try Self.logoutQuery(nameID: "alice@acme.com", sessionIndex: "id-session-1", key: PythonIdP.fixture("sp.key"))
            #expect(try await RawHTTP.get(port: port, "/sso/saml/acme/slo?" + forged).status == 400)
            let unsigned = String(forged[..<forged.range(of: "&SigAlg=")!.lowerBound])
            #expect(try await RawHTTP.get(port: port, "/sso/saml/acme/slo?" + unsigned).status == 400)
            #expect(try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: \(cookie)"]).status == 200)
        }
    }

    @Test func signingOutHereSendsASignedLogoutRequestToTheIdP() async throws {
        try await Self.withSignedIn { gatehouse, cookie in
            let port = gatehouse.ports.proxy
            let page = try await RawHTTP.get(port: port, "/sso/logout", headers: ["Cookie: \(cookie)"])
            let csrf = try #require(page.body.range(of: #"name="csrf" value=""#)).upperBound
            let token = String(page.body[csrf...].prefix { $0 != "\"" })
            let out = try await RawHTTP.postForm(port: port, "/sso/logout", fields: [("csrf", token)], cookies: [cookie] + page.cookies)
            #expect(out.status == 303)
            let location = try #require(out.header("Location"))
            #expect(location.hasPrefix("https://acme.okta.com/app/acme_dash/exk123/slo/saml?SAMLRequest="))
            let query = String(location[location.index(after: location.firstIndex(of: "?")!)...])
            let spKeys = try XMLSignatureKeys(certificatesPEM: [String(contentsOfFile: PythonIdP.fixture("sp.crt"), encoding: .utf8)])
            let request = try RedirectBinding.decode(rawQuery: query, keys: spKeys)
            let root = try #require(try HardenedXMLDocument(parsing: request.xml).root)
            #expect(root.localName == "LogoutRequest")
            #expect(root.childElements.map(\.localName) == ["Issuer", "NameID", "SessionIndex"])
            #expect(root.childElements[1].text == "alice@acme.com")
            #expect(root.childElements[2].text == "id-session-1")
            #expect(try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: \(cookie)"]).status == 302)
        }
    }

    @Test func aReplayedLogoutRequestEndsNothing() async throws {
        try await Self.withSignedIn { gatehouse, first in
            let port = gatehouse.ports.proxy
            let query = try Self.logoutQuery(nameID: "alice@acme.com", sessionIndex: "id-session-1")
            #expect(try await RawHTTP.get(port: port, "/sso/saml/acme/slo?" + query).status == 302)
            #expect(try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: \(first)"]).status == 302)
            // Alice signs in again (the Python IdP's SessionIndex is the same); the captured
            // request, posted again, must not end the new session.
            let second = try await SignedInProxyTests.signIn(gatehouse)
            let replayed = try await RawHTTP.get(port: port, "/sso/saml/acme/slo?" + query)
            #expect(replayed.status == 400)
            #expect(try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: \(second)"]).status == 200)
        }
    }

    @Test(arguments: [("too old", 600), ("from the future", -600)])
    func aLogoutRequestIssuedOutsideTheClockSkewEndsNothing(_ label: String, issuedSecondsAgo: Int) async throws {
        try await Self.withSignedIn { gatehouse, cookie in
            let port = gatehouse.ports.proxy
            let query = try Self.logoutQuery(nameID: "alice@acme.com", sessionIndex: "id-session-1", issuedSecondsAgo: issuedSecondsAgo)
            let refused = try await RawHTTP.get(port: port, "/sso/saml/acme/slo?" + query)
            #expect(refused.status == 400, "\(label)")
            #expect(try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: \(cookie)"]).status == 200, "\(label)")
        }
    }

    @Test func aLogoutRequestJustInsideTheClockSkewIsAccepted() async throws {
        try await Self.withSignedIn { gatehouse, cookie in
            let port = gatehouse.ports.proxy
            let query = try Self.logoutQuery(nameID: "alice@acme.com", sessionIndex: "id-session-1", issuedSecondsAgo: 150)
            #expect(try await RawHTTP.get(port: port, "/sso/saml/acme/slo?" + query).status == 302)
            #expect(try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: \(cookie)"]).status == 302)
        }
    }
}
