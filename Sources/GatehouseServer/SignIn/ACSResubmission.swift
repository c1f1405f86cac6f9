import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// The ACS's answer when an IdP's cross-site POST arrived without the pending-sign-in cookie: a
/// page of Gatehouse's own origin that posts the same `SAMLResponse` and `RelayState` to the same
/// ACS again. That second POST is same-site, so the browser sends its `SameSite=Lax` cookies
/// with it, and the response is matched against this browser's pending requests then.
///
/// Nothing is validated on the first hop (no signature check, no replay-cache entry), so the
/// response is validated once, on the submission that carries the cookies. The page adds a
/// marker field so it never bounces twice; the marker grants nothing: a POST that carries it is
/// simply validated with whatever cookies came, as any direct POST is.
enum ACSResubmission {
    /// The form field the re-submission adds.
    static let markerField = "gatehouse_resubmitted"

    /// Whether to answer with the re-submission page instead of validating now: the pending
    /// cookie is missing, this is not already the re-submission, and the browser did not say the
    /// POST came from this site (then its Lax cookie would have come and is really absent).
    static func isNeeded(fields: [String: String], pendingCookiePresent: Bool, request: Request) -> Bool {
        guard !pendingCookiePresent, fields[markerField] == nil else { return false }
        let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!]?.lowercased()
        return site != "same-origin" && site != "same-site"
    }

    /// The only script on the page; the Content-Security-Policy allows exactly it, by hash.
    static let script = "document.forms[0].submit();"
    static let scriptHash = Data(SHA256.hash(data: Data(script.utf8))).base64EncodedString()

    /// The auto-submitting page (a button for browsers without JavaScript). `action` is the ACS
    /// path (relative, so the POST goes to the origin the browser is on); every value is escaped.
    static func page(action: String, samlResponse: String, relayState: String?) -> Response {
        let relay = relayState.map { #"<input type="hidden" name="RelayState" value="\#(HTMLText.escape($0))">"# } ?? ""
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signing in</title>
            <meta name="viewport" content="width=device-width, initial-scale=1"></head><body>
            <form method="post" action="\(HTMLText.escape(action))">
            <input type="hidden" name="SAMLResponse" value="\(HTMLText.escape(samlResponse))">\(relay)
            <input type="hidden" name="\(markerField)" value="1">
            <noscript><p>Your identity provider signed you in. Continue to the app:</p></noscript>
            <button type="submit">Continue</button></form>
            <script>\(script)</script></body></html>
            """
        let headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
            HTTPField.Name("Content-Security-Policy")!:
                "default-src 'none'; script-src 'sha256-\(scriptHash)'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
            HTTPField.Name("X-Frame-Options")!: "DENY", HTTPField.Name("Referrer-Policy")!: "no-referrer",
        ]
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }
}
