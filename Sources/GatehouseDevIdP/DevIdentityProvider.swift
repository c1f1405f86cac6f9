import Crypto
import Foundation
import GatehouseBasics
import GatehouseSAML
import GatehouseXML
import Hummingbird
import X509
import _CryptoExtras

/// `gatehouse dev-idp`: a local SAML IdP for development and demos, never for production. It signs
/// real responses (libxmlsec1, RSA-SHA256, a fresh self-signed certificate per run) for whichever
/// email and role the person picks (the role as a `role` attribute, which a tenant with
/// `role_attribute: role` applies), and answers only the one ACS it was started for.
public final class DevIdentityProvider: Sendable {
    public let entityID: String
    private let baseURL: String
    let acsURL: String
    /// Gatehouse's single logout URL for the tenant, where IdP-initiated LogoutRequests go.
    let sloURL: String
    private let audience: String
    let signingKey: XMLSigningKey
    /// The same key, for signing Redirect-binding queries.
    let redirectKey: _RSA.Signing.PrivateKey
    public let certificatePEM: String
    private let suggestions: [String]

    /// - Parameters:
    ///   - baseURL: where this IdP is reached, e.g. `http://127.0.0.1:8081`.
    ///   - gatehouseURL: Gatehouse's public URL; `tenant`'s ACS and Audience follow from it.
    public init(baseURL: String, gatehouseURL: String, tenant: String, ssoPrefix: String = "/sso", suggestions: [String]) throws {
        self.baseURL = baseURL
        entityID = "\(baseURL)/metadata"
        let sp = ServiceProviderMetadata(publicOrigin: gatehouseURL, ssoPrefix: ssoPrefix, tenantID: tenant, certificatesPEM: [])
        acsURL = sp.acsURL
        sloURL = sp.singleLogoutURL
        audience = sp.entityID
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let name = try DistinguishedName { CommonName("gatehouse dev-idp (development only)") }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3_600), notValidAfter: now.addingTimeInterval(30 * 86_400), issuer: name, subject: name,
            signatureAlgorithm: .sha256WithRSAEncryption, extensions: Certificate.Extensions(), issuerPrivateKey: Certificate.PrivateKey(key)
        )
        certificatePEM = try certificate.serializeAsPEM().pemString
        signingKey = try XMLSigningKey(privateKeyPEM: key.pemRepresentation)
        redirectKey = key
        self.suggestions = suggestions
    }

    /// The IdP metadata Gatehouse loads (`idp_metadata_url: BASE/metadata`).
    public var metadataXML: String {
        var writer = XMLWriter(declaration: true)
        writer.element("md:EntityDescriptor", [("xmlns:md", "urn:oasis:names:tc:SAML:2.0:metadata"), ("entityID", entityID)]) { entity in
            entity.element(
                "md:IDPSSODescriptor", [("WantAuthnRequestsSigned", "false"), ("protocolSupportEnumeration", "urn:oasis:names:tc:SAML:2.0:protocol")]
            ) { descriptor in
                descriptor.keyDescriptor(use: "signing", certificateBase64: ServiceProviderMetadata.base64Body(certificatePEM))
                descriptor.element("md:NameIDFormat", text: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")
                descriptor.empty("md:SingleLogoutService", [("Binding", IdPMetadata.redirectBinding), ("Location", "\(baseURL)/slo")])
                descriptor.empty("md:SingleSignOnService", [("Binding", IdPMetadata.redirectBinding), ("Location", "\(baseURL)/sso")])
            }
        }
        return writer.xml
    }

    /// The Hummingbird routes: metadata, the sign-in page, and the signed answer.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/metadata") { _, _ in self.metadata() }
        router.get("/") { _, _ in self.tile() }
        router.get("/sso") { request, _ in try self.signInPage(request) }
        router.post("/sso") { request, _ in try await self.answer(request) }
        router.get("/logout") { _, _ in self.logoutPage() }
        router.post("/logout") { request, _ in try await self.startLogout(request) }
        router.get("/slo") { _, _ in self.signedOut() }
        return router
    }

    /// `GET /metadata`.
    public func metadata() -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/samlmetadata+xml"], body: ResponseBody(byteBuffer: ByteBuffer(string: metadataXML)))
    }

    /// `POST /sso`: the picked email's signed response, posted on to the ACS by the browser.
    public func answer(_ request: Request) async throws -> Response {
        try answer(await DevIdPPages.fields(request))
    }

    /// `GET /sso?SAMLRequest=…`: the page where the person picks who to be.
    public func signInPage(_ request: Request) throws -> Response {
        let query = request.uri.query ?? ""
        let message = try RedirectBinding.decode(rawQuery: query, keys: nil)
        let document = try HardenedXMLDocument(parsing: message.xml)
        guard let root = document.root, root.isNamed("AuthnRequest", namespace: "urn:oasis:names:tc:SAML:2.0:protocol"), let id = root.attribute("ID")
        else {
            return DevIdPPages.page(status: .badRequest, title: "Not an AuthnRequest", body: "<p>The request could not be read.</p>")
        }
        if let acs = root.attribute("AssertionConsumerServiceURL"), acs != acsURL {
            return DevIdPPages.page(
                status: .badRequest, title: "Unknown service", body: "<p>This dev IdP answers only \(DevIdPPages.escape(acsURL)).</p>")
        }
        return picker(inResponseTo: id, relayState: message.relayState ?? "", intro: "")
    }

    /// `GET /`: the app tile, as on an Okta dashboard: an unsolicited (IdP-initiated) sign-in.
    public func tile() -> Response {
        picker(inResponseTo: "", relayState: "", intro: "<p>Open the app without a request from it (IdP-initiated, like an Okta tile).</p>")
    }

    private func picker(inResponseTo: String, relayState: String, intro: String) -> Response {
        let e = DevIdPPages.escape
        let options = suggestions.map { #"<option value="\#(e($0))">"# }.joined()
        let body = """
            <p><strong>Development only.</strong> Anyone can sign in as anyone here.</p>\(intro)
            <form method="post" action="/sso"><label for="email">Sign in as</label>
            <input id="email" name="email" type="email" list="people" required autofocus value="\(e(suggestions.first ?? ""))">
            <datalist id="people">\(options)</datalist>
            <label for="role">Role (sent as the <code>role</code> attribute)</label>
            <select id="role" name="role">\(Self.roles.map { #"<option>\#($0)</option>"# }.joined())</select>
            <input type="hidden" name="in_response_to" value="\(e(inResponseTo))">
            <input type="hidden" name="relay_state" value="\(e(relayState))">
            <button type="submit">Sign in</button></form>
            """
        return DevIdPPages.page(status: .ok, title: "gatehouse dev-idp", body: body)
    }

    private func answer(_ fields: [String: String]) throws -> Response {
        guard let email = fields["email"], email.contains("@") else {
            return DevIdPPages.page(status: .badRequest, title: "Email needed", body: "<p>Enter an email address.</p>")
        }
        let role = fields["role"].flatMap { Self.roles.contains($0) ? $0 : nil } ?? "ANALYST"
        let response = try signedResponse(
            email: email, role: role, inResponseTo: fields["in_response_to"].flatMap { $0.isEmpty ? nil : $0 }, now: Date())
        let relay = fields["relay_state"].flatMap { $0.isEmpty ? nil : $0 }.map { [("RelayState", $0)] } ?? []
        return DevIdPPages.autoPost(action: acsURL, fields: [("SAMLResponse", Data(response).base64EncodedString())] + relay, title: "Signing in")
    }

    /// The roles the picker offers (the dashboard roles).
    static var roles: [String] { DashboardRole.all }

    /// A signed Okta-shaped response for `email` (signed Assertion).
    public func signedResponse(email: String, role: String, inResponseTo: String?, now: Date) throws -> [UInt8] {
        func stamp(_ date: Date) -> String { date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)) }
        let assertionID = "_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let answered = inResponseTo.map { [("InResponseTo", $0)] } ?? []
        let assertionNamespace = "urn:oasis:names:tc:SAML:2.0:assertion"
        var writer = XMLWriter()
        writer.element(
            "saml2p:Response",
            [("xmlns:saml2p", "urn:oasis:names:tc:SAML:2.0:protocol"), ("Destination", acsURL), ("ID", "_r\(assertionID)")] + answered + [
                ("IssueInstant", stamp(now)), ("Version", "2.0"),
            ]
        ) { response in
            response.element("saml2:Issuer", [("xmlns:saml2", assertionNamespace)], text: entityID)
            response.element("saml2p:Status") { status in
                status.empty("saml2p:StatusCode", [("Value", "urn:oasis:names:tc:SAML:2.0:status:Success")])
            }
            response.element(
                "saml2:Assertion", [("xmlns:saml2", assertionNamespace), ("ID", assertionID), ("IssueInstant", stamp(now)), ("Version", "2.0")]
            ) { assertion in
                assertion.element("saml2:Issuer", text: entityID)
                assertion.element("saml2:Subject") { subject in
                    subject.element("saml2:NameID", [("Format", "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")], text: email)
                    subject.element("saml2:SubjectConfirmation", [("Method", "urn:oasis:names:tc:SAML:2.0:cm:bearer")]) { confirmation in
                        confirmation.empty(
                            "saml2:SubjectConfirmationData", answered + [("NotOnOrAfter", stamp(now.addingTimeInterval(300))), ("Recipient", acsURL)])
                    }
                }
                assertion.element(
                    "saml2:Conditions", [("NotBefore", stamp(now.addingTimeInterval(-60))), ("NotOnOrAfter", stamp(now.addingTimeInterval(300)))]
                ) { conditions in
                    conditions.element("saml2:AudienceRestriction") { $0.element("saml2:Audience", text: audience) }
                }
                assertion.element("saml2:AuthnStatement", [("AuthnInstant", stamp(now)), ("SessionIndex", assertionID)]) { statement in
                    statement.element("saml2:AuthnContext") {
                        $0.element("saml2:AuthnContextClassRef", text: "urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified")
                    }
                }
                assertion.element("saml2:AttributeStatement") { statement in
                    for (name, value) in [
                        ("id", "dev-\(email)"), ("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", email), ("role", role),
                    ] {
                        statement.element("saml2:Attribute", [("Name", name)]) { $0.element("saml2:AttributeValue", text: value) }
                    }
                }
            }
        }
        return try HardenedXMLDocument(parsing: Array(writer.xml.utf8)).signEnveloped(elementWithID: assertionID, key: signingKey)
    }
}
