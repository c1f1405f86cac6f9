import GatehouseBasics
import GatehouseProxy
import GatehouseSessions
import HTTPTypes
import Hummingbird

/// The sign-in redirect `/sso/auth?redirect=true` gives instead of a bare 401. Traefik's
/// ForwardAuth hands the auth server's answer to the browser as it is, so a 401 leaves a person on
/// an error; nginx's `auth_request` accepts only 2xx, 401 and 403, so it keeps asking without the
/// parameter and sends the 401 to its own `error_page`.
///
/// As the gate does for a request it proxies, a page load (`GET`/`HEAD` without a JSON `Accept` or
/// `X-Requested-With`) gets `302 {sso}/login?return_to=…` with the original path (the believed
/// `X-Forwarded-Uri`, else `/`); anything else keeps the 401, which a script understands. The
/// sign-in page checks `return_to` again (a same-origin path only).
struct ForwardAuthSignInRedirect {
    let ssoPrefix: String

    func response(for request: Request) -> Response? {
        let query = HTTPForms.decode(Substring(request.uri.query ?? ""))
        guard query["redirect"]?.lowercased() == "true" else { return nil }
        let methods = request.headers[values: HTTPField.Name("X-Forwarded-Method")!]
        let uris = request.headers[values: HTTPField.Name("X-Forwarded-Uri")!]
        guard methods.count <= 1, uris.count <= 1 else { return nil }
        let method = methods.first?.uppercased() ?? "GET"
        guard method == "GET" || method == "HEAD", !Self.wantsJSON(request.headers) else { return nil }
        // A target the gate would refuse (dot segments, encoded slashes, control characters), or
        // one a browser could read as another origin (`//host`, `/\host`), is not carried into the
        // sign-in URL; the person lands on `/` afterwards.
        let target = uris.first.flatMap { RequestPath(target: $0) != nil ? ReturnPath.sanitize($0) : nil } ?? "/"
        let location = "\(ssoPrefix)/login?return_to=\(PercentEncoding.encode(target, keeping: [UInt8(ascii: "/")]))"
        return Response(status: .found, headers: [.location: location, .cacheControl: "no-store"])
    }

    private static func wantsJSON(_ headers: HTTPFields) -> Bool {
        if headers[HTTPField.Name("X-Requested-With")!] != nil { return true }
        return headers[values: .accept].contains { $0.lowercased().contains("application/json") }
    }
}
