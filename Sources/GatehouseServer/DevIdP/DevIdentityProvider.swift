import Crypto
import Foundation
import GatehouseSAML
import GatehouseXML
import Hummingbird
import Logging
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
        let body = certificatePEM.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        return """
            <?xml version="1.0" encoding="UTF-8"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="\(HTMLText.escape(entityID))">\
            <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">\
            <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>\(body)</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>\
            <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>\
            <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="\(HTMLText.escape(baseURL))/slo"/>\
            <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="\(HTMLText.escape(baseURL))/sso"/>\
            </md:IDPSSODescriptor></md:EntityDescriptor>
            """
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
        let body = try await request.body.collect(upTo: 64 * 1024)
        return try answer(HTTPForms.decode(Substring(String(buffer: body))))
    }

    /// `GET /sso?SAMLRequest=…`: the page where the person picks who to be.
    public func signInPage(_ request: Request) throws -> Response {
        let query = request.uri.query ?? ""
        let message = try RedirectBinding.decode(rawQuery: query, keys: nil)
        let document = try HardenedXMLDocument(parsing: message.xml)
        guard let root = document.root, root.isNamed("AuthnRequest", namespace: "urn:oasis:names:tc:SAML:2.0:protocol"), let id = root.attribute("ID")
        else {
            return SignInPages.page(status: .badRequest, title: "Not an AuthnRequest", body: "<p>The request could not be read.</p>")
        }
        if let acs = root.attribute("AssertionConsumerServiceURL"), acs != acsURL {
            return SignInPages.page(
                status: .badRequest, title: "Unknown service", body: "<p>This dev IdP answers only \(HTMLText.escape(acsURL)).</p>")
        }
        return picker(inResponseTo: id, relayState: message.relayState ?? "", intro: "")
    }

    /// `GET /`: the app tile, as on an Okta dashboard: an unsolicited (IdP-initiated) sign-in.
    public func tile() -> Response {
        picker(inResponseTo: "", relayState: "", intro: "<p>Open the app without a request from it (IdP-initiated, like an Okta tile).</p>")
    }

    private func picker(inResponseTo: String, relayState: String, intro: String) -> Response {
        let options = suggestions.map { #"<option value="\#(HTMLText.escape($0))">"# }.joined()
        let body = """
            <p><strong>Development only.</strong> Anyone can sign in as anyone here.</p>\(intro)
            <form method="post" action="/sso"><label for="email">Sign in as</label>
            <input id="email" name="email" type="email" list="people" required autofocus value="\(HTMLText.escape(suggestions.first ?? ""))">
            <datalist id="people">\(options)</datalist>
            <label for="role">Role (sent as the <code>role</code> attribute)</label>
            <select id="role" name="role">\(Self.roles.map { #"<option>\#($0)</option>"# }.joined())</select>
            <input type="hidden" name="in_response_to" value="\(HTMLText.escape(inResponseTo))">
            <input type="hidden" name="relay_state" value="\(HTMLText.escape(relayState))">
            <button type="submit">Sign in</button></form>
            """
        return SignInPages.page(status: .ok, title: "gatehouse dev-idp", body: body)
    }

    private func answer(_ fields: [String: String]) throws -> Response {
        guard let email = fields["email"], email.contains("@") else {
            return SignInPages.page(status: .badRequest, title: "Email needed", body: "<p>Enter an email address.</p>")
        }
        let role = fields["role"].flatMap { Self.roles.contains($0) ? $0 : nil } ?? "ANALYST"
        let response = try signedResponse(
            email: email, role: role, inResponseTo: fields["in_response_to"].flatMap { $0.isEmpty ? nil : $0 }, now: Date())
        let relay =
            fields["relay_state"].flatMap { $0.isEmpty ? nil : $0 }.map {
                #"<input type="hidden" name="RelayState" value="\#(HTMLText.escape($0))">"#
            } ?? ""
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signing in</title></head>\
            <body onload="document.forms[0].submit()"><form method="post" action="\(HTMLText.escape(acsURL))">\
            <input type="hidden" name="SAMLResponse" value="\(Data(response).base64EncodedString())">\(relay)\
            <noscript><button type="submit">Continue</button></noscript></form></body></html>
            """
        return Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    /// A signed Okta-shaped response for `email` (signed Assertion).
    static let roles = ["ADMINISTRATOR", "MANAGER", "DEVELOPER", "DESIGNER", "SUPPORT_SPECIALIST", "ANALYST"]

    public func signedResponse(email: String, role: String, inResponseTo: String?, now: Date) throws -> [UInt8] {
        func stamp(_ date: Date) -> String { date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)) }
        let assertionID = "_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let answered = inResponseTo.map { #" InResponseTo="\#(HTMLText.escape($0))""# } ?? ""
        let e = HTMLText.escape
        let xml = """
            <saml2p:Response xmlns:saml2p="urn:oasis:names:tc:SAML:2.0:protocol" Destination="\(e(acsURL))" ID="_r\(assertionID)"\(answered) IssueInstant="\(stamp(now))" Version="2.0">\
            <saml2:Issuer xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion">\(e(entityID))</saml2:Issuer>\
            <saml2p:Status><saml2p:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></saml2p:Status>\
            <saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="\(assertionID)" IssueInstant="\(stamp(now))" Version="2.0">\
            <saml2:Issuer>\(e(entityID))</saml2:Issuer>\
            <saml2:Subject><saml2:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">\(e(email))</saml2:NameID>\
            <saml2:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml2:SubjectConfirmationData\(answered) NotOnOrAfter="\(stamp(now.addingTimeInterval(300)))" Recipient="\(e(acsURL))"/></saml2:SubjectConfirmation></saml2:Subject>\
            <saml2:Conditions NotBefore="\(stamp(now.addingTimeInterval(-60)))" NotOnOrAfter="\(stamp(now.addingTimeInterval(300)))"><saml2:AudienceRestriction><saml2:Audience>\(e(audience))</saml2:Audience></saml2:AudienceRestriction></saml2:Conditions>\
            <saml2:AuthnStatement AuthnInstant="\(stamp(now))" SessionIndex="\(assertionID)"><saml2:AuthnContext><saml2:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified</saml2:AuthnContextClassRef></saml2:AuthnContext></saml2:AuthnStatement>\
            <saml2:AttributeStatement><saml2:Attribute Name="id"><saml2:AttributeValue>dev-\(e(email))</saml2:AttributeValue></saml2:Attribute>\
            <saml2:Attribute Name="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"><saml2:AttributeValue>\(e(email))</saml2:AttributeValue></saml2:Attribute>\
            <saml2:Attribute Name="role"><saml2:AttributeValue>\(e(role))</saml2:AttributeValue></saml2:Attribute></saml2:AttributeStatement>\
            </saml2:Assertion></saml2p:Response>
            """
        return try HardenedXMLDocument(parsing: Array(xml.utf8)).signEnveloped(elementWithID: assertionID, key: signingKey)
    }
}
