import Foundation
import GatehouseConfig
import GatehouseProxy
import GatehouseSessions
import GatehouseStore
import HTTPTypes
import Hummingbird
import Logging
import NIOHTTP1

/// What a session is for besides proxying: forward-auth for nginx/Traefik/Envoy, the signed-in
/// identity as JSON, and logout.
struct SessionRoutes: Sendable {
    let reloader: ConfigReloader
    let sessions: StoreSessionResolver
    let secrets: SessionSecretsProvider
    let store: Store
    let cookieNames: SignInService.CookieNames
    let secureCookies: Bool
    let ssoPrefix: String
    let logger: Logger

    private func identity(_ request: Request) async -> ProxyIdentity? {
        guard let cookie = HTTPForms.cookies(request)[cookieNames.session] else { return nil }
        return await sessions.identity(forCookie: cookie)
    }

    /// `GET /sso/auth`: 200 with the identity headers, 401 without a session, 403 when a rule
    /// refuses the original request (`X-Forwarded-Uri`/`-Method`, which the front proxy only
    /// passes from trusted proxies).
    func forwardAuth(_ request: Request) async -> Response {
        guard let identity = await identity(request) else {
            return Response(
                status: .unauthorized, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"error":"unauthenticated"}"#)))
        }
        let configuration = reloader.configuration
        let uri = request.headers[HTTPField.Name("X-Forwarded-Uri")!] ?? "/"
        let method = HTTPMethod(rawValue: request.headers[HTTPField.Name("X-Forwarded-Method")!] ?? "GET")
        let path = uri[..<(uri.firstIndex(of: "?") ?? uri.endIndex)]
        guard AccessRules(configuration.rules).allows(role: identity.role, method: method, path: path) else {
            return Response(
                status: .forbidden, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"error":"forbidden"}"#)))
        }
        var headers: HTTPFields = [.cacheControl: "no-store"]
        let names = configuration.identityHeaders
        for (name, value) in [
            (names.user, identity.userID), (names.email, identity.email), (names.role, identity.role), (names.tenant, identity.tenantID),
        ] {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        if let token = identity.token, let field = HTTPField.Name(names.jwt) { headers[field] = token }
        return Response(status: .ok, headers: headers)
    }

    /// `GET /sso/userinfo`: who is signed in, as JSON.
    func userInfo(_ request: Request) async throws -> Response {
        guard let identity = await identity(request) else {
            return Response(
                status: .unauthorized, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"error":"unauthenticated"}"#)))
        }
        let body: [String: String] = ["sub": identity.userID, "email": identity.email, "role": identity.role, "tenant": identity.tenantID]
        let json = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        return Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: json)))
    }

    /// `GET /sso/logout`: a confirmation page (a link alone must not sign anyone out).
    func logoutPage(_ request: Request) async throws -> Response {
        let keys = try await secrets.secrets()
        let nonce = CSRFToken.nonce()
        var headers = HTTPFields()
        headers.append(HTTPField(name: .setCookie, value: HTTPForms.setCookie(cookieNames.csrf, nonce, secure: secureCookies, maxAge: 3_600)))
        let body = """
            <p>Sign out of this app on this browser?</p><form method="post" action="\(HTMLText.escape(ssoPrefix))/logout">
            <input type="hidden" name="csrf" value="\(HTMLText.escape(CSRFToken.token(for: nonce, secret: keys.csrf)))">
            <button type="submit">Sign out</button></form>
            """
        return SignInPages.page(status: .ok, title: "Sign out", body: body, headers: headers)
    }

    /// `POST /sso/logout` (with the CSRF token): ends the session here and in the cache.
    func logout(_ request: Request, maximumBodyBytes: Int) async throws -> Response {
        let body = try await request.body.collect(upTo: maximumBodyBytes)
        let fields = HTTPForms.decode(Substring(String(buffer: body)))
        let cookies = HTTPForms.cookies(request)
        let keys = try await secrets.secrets()
        guard CSRFToken.isValid(token: fields["csrf"], nonce: cookies[cookieNames.csrf].map(String.init), secret: keys.csrf) else {
            return try await logoutPage(request)
        }
        if let value = cookies[cookieNames.session], let cookie = SessionCookie.verify(value, secret: keys.sessionCookie) {
            _ = try await store.deleteSession(idHash: cookie.storeKey)
            sessions.forget(cookie: value)
            logger.info("signed out", metadata: ["request_id": "\(request.headers[HTTPField.Name("X-Request-Id")!] ?? "-")"])
        }
        var headers: HTTPFields = [.location: "\(ssoPrefix)/login", .cacheControl: "no-store"]
        headers.append(HTTPField(name: .setCookie, value: HTTPForms.setCookie(cookieNames.session, "", secure: secureCookies, maxAge: 0)))
        return Response(status: .seeOther, headers: headers)
    }
}
