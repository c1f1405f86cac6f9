import GatehouseConfig
import GatehouseProxy
import NIOHTTP1

extension RouteClass {
    /// Sign-in pages and endpoints under the SSO prefix.
    static let sso = RouteClass(rawValue: "sso")
    /// Every route class, in the order metrics are made.
    static let all: [RouteClass] = [.upstream, .sso, .scim, .gate]
}

extension ApplicationRoutes {
    /// The same application as the front proxy sees it, most specific first: SCIM in process,
    /// SAML messages and the other sign-in routes over the private socket, each with its own
    /// body limit (`proxy.max_*_body_bytes`) and its own 413.
    static func proxyRoutes(configuration: GatehouseConfiguration, inProcess: any InProcessApplication) -> [ApplicationRoute] {
        let prefix = configuration.ssoPrefix
        return [
            SCIMApplicationRoute.route(maximumBodyBytes: configuration.proxy.maxSCIMBodyBytes, serving: .inProcess(inProcess)),
            ApplicationRoute(
                matches: [.prefix(prefix + "/saml/")], serving: .applicationSocket, routeClass: .sso,
                maximumBodyBytes: configuration.proxy.maxSAMLBodyBytes, bodyTooLarge: signInBodyTooLarge),
            ApplicationRoute(
                matches: [.prefix(prefix + "/"), .exactly(prefix)], serving: .applicationSocket, routeClass: .sso,
                maximumBodyBytes: configuration.proxy.maxFormBodyBytes, bodyTooLarge: signInBodyTooLarge),
        ]
    }

    /// Where the access gate sends a request without a session: the login page, or a 401 naming it.
    static func loginRequired(configuration: GatehouseConfiguration) -> LoginRequired {
        let loginPath = "\(configuration.ssoPrefix)/login"
        return LoginRequired(
            loginPath: loginPath,
            apiResponse: .json(.unauthorized, #"{"error":"unauthenticated","message":"Sign-in required.","login_url":"\#(loginPath)"}"#))
    }

    /// A sign-in form or SAML message over its route's limit: a page a person can read.
    static let signInBodyTooLarge: LocalResponse = {
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>413 Request too large</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}</style></head><body>
            <h1>This request is too large</h1>
            <p>Gatehouse refused what your browser sent because it is larger than a sign-in ever needs.
            Go back and try again; if it keeps happening, tell your administrator.</p></body></html>
            """
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/html; charset=utf-8")
        headers.add(name: "Cache-Control", value: "no-store")
        return LocalResponse(status: .payloadTooLarge, headers: headers, body: html)
    }()
}
