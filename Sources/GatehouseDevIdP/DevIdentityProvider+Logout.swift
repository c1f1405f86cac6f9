import Foundation
import GatehouseSAML
import GatehouseXML
import Hummingbird

/// The dev IdP's side of single logout: it signs a person out of Gatehouse (IdP-initiated, over
/// the Redirect or the POST binding, as Okta can) and shows a page when Gatehouse answers.
extension DevIdentityProvider {
    /// `GET /logout`: whom to sign out, and over which binding.
    func logoutPage() -> Response {
        let body = """
            <p><strong>Development only.</strong> Signs a person out of Gatehouse, as the IdP would.</p>
            <form method="post" action="/logout"><label for="email">Sign out</label>
            <input id="email" name="email" type="email" required autofocus>
            <button type="submit" id="redirect" name="binding" value="redirect">Sign out (HTTP-Redirect)</button>
            <button type="submit" id="post" name="binding" value="post">Sign out (HTTP-POST)</button></form>
            """
        return DevIdPPages.page(status: .ok, title: "gatehouse dev-idp logout", body: body)
    }

    /// `POST /logout`: a signed LogoutRequest for the email's NameID (every session of it).
    func startLogout(_ request: Request) async throws -> Response {
        let fields = try await DevIdPPages.fields(request)
        guard let email = fields["email"], email.contains("@") else {
            return DevIdPPages.page(status: .badRequest, title: "Email needed", body: "<p>Enter an email address.</p>")
        }
        let logout = LogoutRequest(destination: sloURL, spEntityID: entityID, nameID: email, sessionIndex: nil, now: Date())
        if fields["binding"] == "post" {
            let signed = try HardenedXMLDocument(parsing: Array(logout.xml.utf8)).signEnveloped(elementWithID: logout.id, key: signingKey)
            return DevIdPPages.autoPost(action: sloURL, fields: [("SAMLRequest", Data(signed).base64EncodedString())], title: "Signing out")
        }
        let url = try RedirectBindingEncoder.url(
            destination: sloURL, parameter: "SAMLRequest", xml: logout.xml, relayState: nil, signingKey: redirectKey)
        return Response(status: .found, headers: [.location: url, .cacheControl: "no-store"])
    }

    /// `GET /slo`: where Gatehouse's LogoutResponse (or its own LogoutRequest) lands.
    func signedOut() -> Response {
        DevIdPPages.page(status: .ok, title: "Signed out at the dev IdP", body: "<p>Gatehouse answered the logout.</p>")
    }
}
