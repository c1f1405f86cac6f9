import Foundation
import GatehouseSAML
import GatehouseSCIM
import GatehouseServer
import GatehouseXML
import Testing

/// Sign-in over real sockets through the front proxy, with responses signed by a Python IdP
/// (signxml) answering the AuthnRequest Gatehouse actually sent.
@Suite struct SignInFlowTests {
    static let acs = "http://127.0.0.1:8080/sso/saml/acme/acs"
    static let audience = "http://127.0.0.1:8080/sso/saml/acme/metadata"

    static func yaml(jit: Bool = false) -> String {
        """
        session:
          secret: "0123456789abcdef0123456789abcdef-test"
        tenants:
          - id: acme
            email_domains: [acme.com]
            idp_metadata_file: \(PythonIdP.fixture("okta-metadata.xml"))
        \(jit ? "    jit_default_role: ANALYST" : "")

        """
    }

    /// A running Gatehouse with loaded metadata and `users` provisioned.
    static func withGatehouse(jit: Bool = false, users: [(String, Bool)] = [("alice@acme.com", true)], _ body: (TestGatehouse) async throws -> Void)
        async throws
    {
        try await TestGatehouse.with(extraYAML: yaml(jit: jit)) { gatehouse in
            await gatehouse.application.metadataService.refreshDue()
            for (email, active) in users {
                try await gatehouse.application.store.createUser(
                    StoredUser(tenantID: "acme", userName: email, email: email, role: "ANALYST", active: active, createdAt: Date()))
            }
            try await body(gatehouse)
        }
    }

    /// The AuthnRequest id inside a Redirect-binding Location.
    static func requestID(in location: String) throws -> String {
        let components = try #require(URLComponents(string: location))
        let encoded = try #require(components.queryItems?.first { $0.name == "SAMLRequest" }?.value)
        let xml = try RawDeflate.inflate(Array(try #require(Data(base64Encoded: encoded))), maximumBytes: 65_536)
        return try #require(try HardenedXMLDocument(parsing: xml).root?.attribute("ID"))
    }

    /// Email form → IdP redirect; returns the AuthnRequest id and the cookies the browser holds.
    static func startFromEmail(_ port: Int, email: String, returnTo: String) async throws -> (requestID: String, cookies: [String]) {
        let page = try await RawHTTP.get(port: port, "/sso/login?return_to=\(RawHTTP.formEncode(returnTo))&email=\(RawHTTP.formEncode(email))")
        #expect(page.status == 200)
        #expect(page.body.contains(#"value="\#(email)""#))
        let csrf = try #require(page.body.range(of: #"name="csrf" value=""#)).upperBound
        let token = String(page.body[csrf...].prefix { $0 != "\"" })
        let submitted = try await RawHTTP.postForm(
            port: port, "/sso/login", fields: [("email", email), ("return_to", returnTo), ("csrf", token)], cookies: page.cookies)
        #expect(submitted.status == 302)
        let location = try #require(submitted.header("Location"))
        #expect(location.hasPrefix("https://acme.okta.com/app/acme_dash/exk123/sso/saml?SAMLRequest="))
        return (try requestID(in: location), submitted.cookies)
    }

    static func postResponse(_ port: Int, email: String, inResponseTo: String?, relayState: String?, cookies: [String]) async throws -> RawResponse {
        let response = try PythonIdP.signedResponse(email: email, inResponseTo: inResponseTo, acs: acs, audience: audience, now: Date())
        var fields = [("SAMLResponse", response)]
        if let relayState { fields.append(("RelayState", relayState)) }
        return try await RawHTTP.postToACS(port: port, "/sso/saml/acme/acs", fields: fields, cookies: cookies)
    }

    @Test func theEmailFirstFlowEndsInASessionAndReturnsWhereThePersonWasGoing() async throws {
        try await Self.withGatehouse { gatehouse in
            let port = gatehouse.ports.proxy
            let started = try await Self.startFromEmail(port, email: "alice@acme.com", returnTo: "/reports?id=7")
            let landed = try await Self.postResponse(
                port, email: "alice@acme.com", inResponseTo: started.requestID, relayState: started.requestID, cookies: started.cookies)
            #expect(landed.status == 303)
            #expect(landed.header("Location") == "/reports?id=7")
            let session = try #require(landed.setCookie("gatehouse_session"))
            #expect(session.contains("HttpOnly"))
            #expect(session.contains("SameSite=Lax"))
            #expect(!session.contains("Secure"))  // public_url is http in tests
            #expect(!session.contains("alice"))
            let user = try #require(try await gatehouse.application.store.user(tenantID: "acme", named: "alice@acme.com"))
            #expect(try await gatehouse.application.store.deleteSessions(userID: user.id) == 1)
        }
    }

    @Test func theSameResponsePostedTwiceIsAReplay() async throws {
        try await Self.withGatehouse { gatehouse in
            let port = gatehouse.ports.proxy
            let started = try await Self.startFromEmail(port, email: "alice@acme.com", returnTo: "/")
            let response = try PythonIdP.signedResponse(
                email: "alice@acme.com", inResponseTo: started.requestID, acs: Self.acs, audience: Self.audience, now: Date())
            let first = try await RawHTTP.postToACS(port: port, "/sso/saml/acme/acs", fields: [("SAMLResponse", response)], cookies: started.cookies)
            #expect(first.status == 303)
            let second = try await RawHTTP.postToACS(port: port, "/sso/saml/acme/acs", fields: [("SAMLResponse", response)], cookies: started.cookies)
            #expect(second.status == 400)
            #expect(second.body.contains("Reference:"))
        }
    }

    @Test func severalTabsAtOnceEachComeBackToTheirOwnPage() async throws {
        try await Self.withGatehouse { gatehouse in
            let port = gatehouse.ports.proxy
            let first = try await Self.startFromEmail(port, email: "alice@acme.com", returnTo: "/one")
            let second = try await RawHTTP.get(
                port: port, "/sso/saml/acme/login?return_to=%2Ftwo", headers: ["Cookie: \(first.cookies.joined(separator: "; "))"])
            #expect(second.status == 302)
            let secondID = try Self.requestID(in: try #require(second.header("Location")))
            let landedFirst = try await Self.postResponse(
                port, email: "alice@acme.com", inResponseTo: first.requestID, relayState: nil, cookies: second.cookies)
            #expect(landedFirst.header("Location") == "/one")
            let landedSecond = try await Self.postResponse(
                port, email: "alice@acme.com", inResponseTo: secondID, relayState: nil, cookies: second.cookies)
            #expect(landedSecond.header("Location") == "/two")
        }
    }

    @Test func aResponseForARequestOfAnotherBrowserIsRefused() async throws {
        try await Self.withGatehouse { gatehouse in
            let port = gatehouse.ports.proxy
            let started = try await Self.startFromEmail(port, email: "alice@acme.com", returnTo: "/")
            let landed = try await Self.postResponse(port, email: "alice@acme.com", inResponseTo: started.requestID, relayState: nil, cookies: [])
            #expect(landed.status == 400)
            #expect(landed.body.contains("This sign-in has expired"))
            #expect(landed.setCookie("gatehouse_session") == nil)
        }
    }

    @Test func idpInitiatedSignInHonoursOnlyASameOriginRelayState() async throws {
        try await Self.withGatehouse { gatehouse in
            let port = gatehouse.ports.proxy
            let tile = try await Self.postResponse(port, email: "alice@acme.com", inResponseTo: nil, relayState: "/dashboard", cookies: [])
            #expect(tile.status == 303)
            #expect(tile.header("Location") == "/dashboard")
            let evil = try await Self.postResponse(port, email: "alice@acme.com", inResponseTo: nil, relayState: "//evil.example.com/x", cookies: [])
            #expect(evil.status == 303)
            #expect(evil.header("Location") == "/")
        }
    }

    @Test func clearPagesForWhoCannotSignIn() async throws {
        try await Self.withGatehouse(users: [("alice@acme.com", true), ("dave@acme.com", false)]) { gatehouse in
            let port = gatehouse.ports.proxy
            let bob = try await Self.postResponse(port, email: "bob@acme.com", inResponseTo: nil, relayState: nil, cookies: [])
            #expect(bob.status == 403)
            #expect(bob.body.contains("Your account is not set up here"))
            #expect(bob.body.contains("must match"))
            let reference = try #require(bob.header("X-Request-Id"))
            #expect(bob.body.contains(reference))
            let dave = try await Self.postResponse(port, email: "dave@acme.com", inResponseTo: nil, relayState: nil, cookies: [])
            #expect(dave.status == 403)
            #expect(dave.body.contains("Your account is deactivated"))
            #expect(dave.setCookie("gatehouse_session") == nil)
        }
    }

    @Test func aTenantWithAJITRoleCreatesTheUserAtFirstSignIn() async throws {
        try await Self.withGatehouse(jit: true, users: []) { gatehouse in
            let landed = try await Self.postResponse(gatehouse.ports.proxy, email: "Carol@Acme.com", inResponseTo: nil, relayState: nil, cookies: [])
            #expect(landed.status == 303)
            let carol = try #require(try await gatehouse.application.store.user(tenantID: "acme", named: "carol@acme.com"))
            #expect(carol.role == "ANALYST")
        }
    }

    /// The tenant's IdP signs whatever email it likes: just in time, only the tenant's domains.
    @Test func aJITTenantCreatesNoUserOutsideItsEmailDomains() async throws {
        try await Self.withGatehouse(jit: true, users: []) { gatehouse in
            for email in ["ceo@othercorp.com", "carol@acme.com.evil.example"] {
                let refused = try await Self.postResponse(gatehouse.ports.proxy, email: email, inResponseTo: nil, relayState: nil, cookies: [])
                #expect(refused.status == 403, "\(email)")
                #expect(refused.body.contains("Your account is not set up here"), "\(email)")
                #expect(refused.cookies.allSatisfy { !$0.hasPrefix("gatehouse_session=") }, "\(email)")
                #expect(try await gatehouse.application.store.user(tenantID: "acme", named: email) == nil, "\(email)")
            }
        }
    }

    @Test func theEmailPageRefusesUnknownDomainsAndForgedForms() async throws {
        try await Self.withGatehouse { gatehouse in
            let port = gatehouse.ports.proxy
            let page = try await RawHTTP.get(port: port, "/sso/login?return_to=%2F%2Fevil.com&email=%22%3E%3Cscript%3E")
            #expect(page.body.contains(#"name="return_to" value="/""#))
            #expect(!page.body.contains("<script>"))
            #expect(page.body.contains("&quot;&gt;&lt;script&gt;"))
            let csrf = try #require(page.body.range(of: #"name="csrf" value=""#)).upperBound
            let token = String(page.body[csrf...].prefix { $0 != "\"" })
            let unknown = try await RawHTTP.postForm(
                port: port, "/sso/login", fields: [("email", "x@unknown.example"), ("return_to", "/"), ("csrf", token)], cookies: page.cookies)
            #expect(unknown.status == 400)
            #expect(unknown.body.contains("No organisation uses unknown.example"))
            let forged = try await RawHTTP.postForm(port: port, "/sso/login", fields: [("email", "alice@acme.com"), ("csrf", token)], cookies: [])
            #expect(forged.status == 400)
            #expect(forged.body.contains("The form expired"))
        }
    }

    @Test func aTenantWithoutSCIMCanTakeTheRoleFromTheAssertion() async throws {
        let yaml = Self.yaml() + "    role_attribute: role\n"
        try await TestGatehouse.with(extraYAML: yaml) { gatehouse in
            await gatehouse.application.metadataService.refreshDue()
            let store = gatehouse.application.store
            try await store.createUser(
                StoredUser(tenantID: "acme", userName: "alice@acme.com", email: "alice@acme.com", role: "ANALYST", createdAt: Date()))
            func post(_ email: String, role: String) async throws -> RawResponse {
                let response = try PythonIdP.signedResponse(
                    email: email, inResponseTo: nil, acs: Self.acs, audience: Self.audience, now: Date(), role: role)
                return try await RawHTTP.postToACS(port: gatehouse.ports.proxy, "/sso/saml/acme/acs", fields: [("SAMLResponse", response)])
            }
            #expect(try await post("alice@acme.com", role: "MANAGER").status == 303)
            #expect(try await store.user(tenantID: "acme", named: "alice@acme.com")?.role == "MANAGER")
            #expect(try await post("erin@acme.com", role: "DESIGNER").status == 303)
            #expect(try await store.user(tenantID: "acme", named: "erin@acme.com")?.role == "DESIGNER")
            let refused = try await post("alice@acme.com", role: "ROOT")
            #expect(refused.status == 400)
            #expect(try await store.user(tenantID: "acme", named: "alice@acme.com")?.role == "MANAGER")
        }
    }
}
