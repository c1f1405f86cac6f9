import Foundation
import GatehouseConfig
import GatehouseProxy
import GatehouseSAML
import GatehouseSessions
import GatehouseStore
import HTTPTypes
import Hummingbird
import Logging
import NIOHTTP1
import _CryptoExtras

/// What a session is for besides proxying: forward-auth for nginx/Traefik/Envoy, the signed-in
/// identity as JSON, and logout.
struct SessionRoutes: Sendable {
    let reloader: ConfigReloader
    let sessions: StoreSessionResolver
    let secrets: SessionSecretsProvider
    let store: any ServerStore
    let cookieNames: SignInService.CookieNames
    let secureCookies: Bool
    let ssoPrefix: String
    let logger: Logger
    let contexts: SAMLContextFactory
    var registry: IdPMetadataRegistry { contexts.registry }
    /// Signs LogoutRequest/LogoutResponse redirects (`sp.key_file`); without it SLO is local only.
    let signingKey: _RSA.Signing.PrivateKey?
    let now: @Sendable () -> Date

    /// One line a second at most while the store is down, as the proxy logs it.
    let lookUpFailures = OncePerSecond()

    /// The signed-in identity, nil without a session; `.failure` when the store did not answer.
    private func identity(_ request: Request) async -> Result<ProxyIdentity?, any Error> {
        guard let cookie = HTTPForms.cookies(request)[cookieNames.session] else { return .success(nil) }
        do {
            return .success(try await sessions.identity(forCookie: cookie))
        } catch {
            if let refused = lookUpFailures.take() {
                logger.error(
                    "session not checked: the store did not answer; the request got a 503",
                    metadata: [
                        "request_id": "\(request.headers[HTTPField.Name("X-Request-Id")!] ?? "-")",
                        "reason": "\(String(describing: error).prefix(300))",
                        "refused_since_last_line": "\(refused)",
                    ])
            }
            return .failure(error)
        }
    }

    /// The store did not answer: neither "signed in" nor "signed out" is known (nginx would send a
    /// 401 to the sign-in page, which cannot finish either).
    private static var sessionsUnavailable: Response {
        Response(
            status: .serviceUnavailable, headers: [.contentType: "application/json", .cacheControl: "no-store", .retryAfter: "1"],
            body: ResponseBody(
                byteBuffer: ByteBuffer(
                    string: #"{"error":"sessions_unavailable","message":"Sign-in cannot be checked right now; try again shortly."}"#)))
    }

    /// `GET /sso/auth`: 200 with the identity headers, 401 without a session (a 302 to the sign-in
    /// page for a page load with `?redirect=true`), 503 when the store did not answer, 403 when a rule
    /// refuses the original request (`X-Forwarded-Uri`/`-Method`, which the front proxy only
    /// passes from trusted proxies). It decides the path exactly as the front proxy does
    /// (`RequestPath`), and never says yes about a request it was not told of: without a believed
    /// URI, or with a method-override header the upstream may honour, every rule applies.
    func forwardAuth(_ request: Request) async -> Response {
        guard case .success(let found) = await identity(request) else { return Self.sessionsUnavailable }
        guard let identity = found else {
            if let redirect = ForwardAuthSignInRedirect(ssoPrefix: ssoPrefix).response(for: request) { return redirect }
            return Response(
                status: .unauthorized, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"error":"unauthenticated"}"#)))
        }
        let configuration = reloader.configuration
        let rules = reloader.proxyPolicy.rules
        guard identity.isHeaderSafe else {
            logger.error(
                "forward-auth: identity not sent, a stored value holds a control character; fix the user record",
                metadata: ["request_id": "\(request.headers[HTTPField.Name("X-Request-Id")!] ?? "-")"])
            return Response(status: .badGateway, headers: [.contentType: "application/json", .cacheControl: "no-store"])
        }
        guard forwardAuthAllows(request, role: identity.role, rules: rules) else {
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

    private func forwardAuthAllows(_ request: Request, role: String, rules: AccessRules) -> Bool {
        guard !rules.isEmpty else { return true }
        let reference = request.headers[HTTPField.Name("X-Request-Id")!] ?? "-"
        let uris = request.headers[values: HTTPField.Name("X-Forwarded-Uri")!]
        let forwardedMethods = request.headers[values: HTTPField.Name("X-Forwarded-Method")!]
        guard uris.count <= 1, forwardedMethods.count <= 1 else {
            // Which one the proxy meant is unknowable; the first is not safer than the last.
            logger.warning("forward-auth refused: X-Forwarded-Uri or X-Forwarded-Method came twice", metadata: ["request_id": "\(reference)"])
            return false
        }
        guard let uri = uris.first else {
            logger.warning(
                "forward-auth refused: no X-Forwarded-Uri was believed, so the rules cannot be checked; list the proxy that calls /sso/auth in trusted_proxies and have it send X-Forwarded-Uri and X-Forwarded-Method",
                metadata: ["request_id": "\(reference)"])
            return false
        }
        guard let path = RequestPath(target: uri) else {
            logger.warning("forward-auth refused: the original request target is not acceptable", metadata: ["request_id": "\(reference)"])
            return false
        }
        // An unknown method means every rule on the path applies (`nil`); a method override that
        // the upstream may honour must pass as well.
        var methods: [HTTPMethod?] = [forwardedMethods.first.map { HTTPMethod(rawValue: $0) }]
        for field in request.headers where Self.methodOverrideNames.contains(field.name.canonicalName.replacingOccurrences(of: "_", with: "-")) {
            methods.append(HTTPMethod(rawValue: field.value))
        }
        return methods.allSatisfy { rules.allows(role: role, method: $0, path: path) }
    }

    private static let methodOverrideNames: Set<String> = ["x-http-method-override", "x-http-method", "x-method-override"]

    /// `GET /sso/userinfo`: who is signed in, as JSON.
    func userInfo(_ request: Request) async throws -> Response {
        guard case .success(let found) = await identity(request) else { return Self.sessionsUnavailable }
        guard let identity = found else {
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
        var next = "\(ssoPrefix)/login"
        if let value = cookies[cookieNames.session], let cookie = SessionCookie.verify(value, secret: keys.sessionCookie) {
            let session = try await store.session(idHash: cookie.storeKey)
            _ = try await store.deleteSession(idHash: cookie.storeKey)
            sessions.forget(cookie: value)
            logger.info("signed out", metadata: ["request_id": "\(request.headers[HTTPField.Name("X-Request-Id")!] ?? "-")"])
            if let session, let url = try identityProviderLogoutURL(for: session) { next = url }
        }
        var headers: HTTPFields = [.location: next, .cacheControl: "no-store"]
        headers.append(HTTPField(name: .setCookie, value: HTTPForms.setCookie(cookieNames.session, "", secure: secureCookies, maxAge: 0)))
        return Response(status: .seeOther, headers: headers)
    }

    /// Where to send the browser so the IdP ends its session too: a signed LogoutRequest to the
    /// IdP's Redirect SLO endpoint, when it has one and an SP key can sign it.
    private func identityProviderLogoutURL(for session: StoredSession) throws -> String? {
        guard let signingKey, let provider = registry.provider(for: session.tenantID),
            let destination = provider.metadata.singleLogoutServices[IdPMetadata.redirectBinding],
            let context = contexts.context(forTenant: session.tenantID)
        else { return nil }
        let request = LogoutRequest(
            destination: destination, spEntityID: context.spEntityID, nameID: session.nameID, sessionIndex: session.sessionIndex, now: now())
        return try RedirectBindingEncoder.url(
            destination: destination, parameter: "SAMLRequest", xml: request.xml, relayState: nil, signingKey: signingKey)
    }

    /// `GET|POST /sso/saml/{t}/slo`: the IdP ends a NameID's sessions (IdP-initiated), or answers
    /// our own LogoutRequest (then the person goes to the sign-in page).
    func singleLogout(_ request: Request, tenantID: String, maximumBodyBytes: Int) async throws -> Response {
        let reference = request.headers[HTTPField.Name("X-Request-Id")!] ?? "-"
        guard let context = contexts.context(forTenant: tenantID), let provider = registry.provider(for: tenantID) else {
            return SignInPages.page(status: .notFound, title: "Not found", body: "<p>There is no page at this address.</p>")
        }
        // The binding decoder verifies the signature; only what it verified reaches validation.
        let message: VerifiedLogoutMessage
        do {
            if request.method == .get {
                message = try RedirectBinding.verifiedLogoutMessage(
                    rawQuery: request.uri.query ?? "", keys: context.keys, policy: context.signaturePolicy)
            } else {
                let body = try await request.body.collect(upTo: maximumBodyBytes)
                let fields = HTTPForms.decode(Substring(String(buffer: body)))
                guard let name = ["SAMLRequest", "SAMLResponse"].first(where: { fields[$0] != nil }) else {
                    throw SAMLValidationError(.binding, context: "no SAMLRequest or SAMLResponse")
                }
                let xml = try PostBinding.decode(fieldValue: fields[name] ?? "")
                // A LogoutResponse ends nothing and only sends the person on, so (as before) a
                // POST-bound one is not verified.
                if name == "SAMLResponse" { return signedOutOfIdentityProvider() }
                message = try PostBinding.verifiedLogoutMessage(
                    parameter: name, xml: xml, relayState: fields["RelayState"], keys: context.keys, policy: context.signaturePolicy)
            }
        } catch let error as SAMLValidationError {
            logger.warning("logout message refused", metadata: ["code": "\(error.code)", "reason": "\(error)", "request_id": "\(reference)"])
            return SignInPages.problem(.badRequest, reference: reference)
        }
        if message.parameter == "SAMLResponse" { return signedOutOfIdentityProvider() }
        let logout: ValidatedLogoutRequest
        do {
            logout = try await LogoutRequestValidator.validate(
                message, context: context, sloURL: contexts.serviceProvider(forTenant: tenantID).singleLogoutURL,
                replayCache: store, now: now())
        } catch {
            logger.warning("logout request refused", metadata: ["code": "\(error.code)", "reason": "\(error)", "request_id": "\(reference)"])
            return SignInPages.problem(.badRequest, reference: reference)
        }
        var ended = 0
        if logout.sessionIndexes.isEmpty {
            ended = try await store.deleteSessions(tenantID: tenantID, nameID: logout.nameID, sessionIndex: nil)
        } else {
            for index in logout.sessionIndexes {
                ended += try await store.deleteSessions(tenantID: tenantID, nameID: logout.nameID, sessionIndex: index)
            }
        }
        if let user = try await store.user(tenantID: tenantID, named: logout.nameID) { sessions.forget(userID: user.id) }
        logger.info("IdP-initiated logout", metadata: ["tenant": "\(tenantID)", "sessions_ended": "\(ended)", "request_id": "\(reference)"])
        guard let destination = provider.metadata.singleLogoutServices[IdPMetadata.redirectBinding] else {
            return SignInPages.page(status: .ok, title: "Signed out", body: "<p>You are signed out of this app.</p>")
        }
        let answer = LogoutResponse(inResponseTo: logout.id, destination: destination, spEntityID: context.spEntityID, now: now())
        let url = try RedirectBindingEncoder.url(
            destination: destination, parameter: "SAMLResponse", xml: answer.xml, relayState: nil, signingKey: signingKey)
        return Response(status: .found, headers: [.location: url, .cacheControl: "no-store"])
    }

    /// The IdP answered our own LogoutRequest: on to the sign-in page.
    private func signedOutOfIdentityProvider() -> Response {
        Response(status: .seeOther, headers: [.location: "\(ssoPrefix)/login", .cacheControl: "no-store"])
    }
}
