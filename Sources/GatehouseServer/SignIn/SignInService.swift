import Foundation
import GatehouseBasics
import GatehouseConfig
import GatehouseSAML
import GatehouseSCIM
import GatehouseSessions
import GatehouseSignIn
import GatehouseStore
import HTTPTypes
import Hummingbird
import Logging

/// Email-first and bookmark sign-in, and the Assertion Consumer Service: from a work email to a
/// server-side session. Every refusal is a clear page with a reference that is also in the log.
final class SignInService: Sendable {
    private let reloader: ConfigReloader
    private let contexts: SAMLContextFactory
    private let registry: IdPMetadataRegistry
    private let store: any ServerStore
    private let linking: AccountLinking
    private let secrets: SessionSecretsProvider
    /// Signs Redirect-binding AuthnRequests and HTTP-POST ones when an IdP wants them signed.
    private let signingKey: SPSigningKey?
    private let lifetime: SessionLifetime
    private let cookies: CookieNames
    private let secureCookies: Bool
    private let ssoPrefix: String
    private let maximumBodyBytes: Int
    private let logger: Logger
    private let now: @Sendable () -> Date

    struct CookieNames: Sendable {
        let session: String
        let pending: String
        let csrf: String

        init(prefix: String) {
            session = prefix + "session"
            pending = prefix + "pending"
            csrf = prefix + "csrf"
        }
    }

    init(
        configuration: GatehouseConfiguration, contexts: SAMLContextFactory, signingKey: SPSigningKey?, store: any ServerStore,
        secrets: SessionSecretsProvider, logger: Logger, now: @escaping @Sendable () -> Date
    ) {
        reloader = contexts.reloader
        registry = contexts.registry
        self.contexts = contexts
        self.store = store
        linking = AccountLinking(directory: StoreSignInDirectory(store: store))
        self.secrets = secrets
        self.signingKey = signingKey
        lifetime = SessionLifetime(configuration.session)
        cookies = CookieNames(prefix: configuration.cookieNamePrefix)
        secureCookies = configuration.publicURL.isHTTPS
        ssoPrefix = configuration.ssoPrefix
        // The front proxy holds each route to its own limit first; this is the second line.
        maximumBodyBytes = max(configuration.proxy.maxSAMLBodyBytes, configuration.proxy.maxFormBodyBytes)
        self.logger = logger
        self.now = now
    }

    // MARK: Email first

    /// `GET /sso/login`: the form, with `?email=` prefilled and `?return_to=` kept if it is a safe path.
    func loginPage(_ request: Request) async throws -> Response {
        let query = HTTPForms.decode(Substring(request.uri.query ?? ""))
        return try await loginForm(email: query["email"] ?? "", returnTo: ReturnPath.sanitize(query["return_to"]) ?? "/", message: nil)
    }

    /// `POST /sso/login`: CSRF check, tenant by the email's domain, then off to that IdP.
    func submitLogin(_ request: Request) async throws -> Response {
        let reference = Self.reference(request)
        let fields = try await form(request)
        let returnTo = ReturnPath.sanitize(fields["return_to"]) ?? "/"
        let email = (fields["email"] ?? "").trimmingCharacters(in: .whitespaces)
        let keys = try await secrets.secrets()
        let nonce = HTTPForms.cookies(request)[cookies.csrf].map(String.init)
        guard CSRFToken.isValid(token: fields["csrf"], nonce: nonce, secret: keys.csrf) else {
            logger.warning("sign-in form refused", metadata: ["reason": "csrf", "request_id": "\(reference)"])
            return try await loginForm(email: email, returnTo: returnTo, message: "The form expired. Please try again.")
        }
        guard let at = email.lastIndex(of: "@"), email.index(after: at) < email.endIndex else {
            return try await loginForm(email: email, returnTo: returnTo, message: "Enter your work email address.")
        }
        let domain = email[email.index(after: at)...].lowercased()
        guard let tenant = reloader.configuration.tenants.first(where: { $0.emailDomains.contains(domain) }) else {
            logger.info("sign-in for an unknown domain", metadata: ["code": "\(SignInProblem.unknownDomain.rawValue)", "request_id": "\(reference)"])
            return try await loginForm(
                email: email, returnTo: returnTo,
                message: "No organisation uses \(domain) to sign in here. Check the address or ask your administrator (reference \(reference))."
            )
        }
        return try await startSignIn(tenant: tenant, returnTo: returnTo, request: request)
    }

    private func loginForm(email: String, returnTo: String, message: String?) async throws -> Response {
        let keys = try await secrets.secrets()
        let nonce = CSRFToken.nonce()
        var headers = HTTPFields()
        headers.append(HTTPField(name: .setCookie, value: HTTPForms.setCookie(cookies.csrf, nonce, secure: secureCookies, maxAge: 3_600)))
        return SignInPages.login(
            action: "\(ssoPrefix)/login", email: email, returnTo: returnTo, csrfToken: CSRFToken.token(for: nonce, secret: keys.csrf),
            message: message, headers: headers
        )
    }

    // MARK: SP-initiated

    /// `GET /sso/saml/{t}/login`: the bookmark URL.
    func bookmark(_ request: Request, tenantID: String) async throws -> Response {
        guard let tenant = reloader.configuration.tenants.first(where: { $0.id == tenantID }) else {
            return SignInPages.page(status: .notFound, title: "Not found", body: "<p>There is no page at this address.</p>")
        }
        let query = HTTPForms.decode(Substring(request.uri.query ?? ""))
        return try await startSignIn(tenant: tenant, returnTo: ReturnPath.sanitize(query["return_to"]) ?? "/", request: request)
    }

    /// Sends the browser to the tenant's IdP with an AuthnRequest whose id this browser now waits for.
    private func startSignIn(tenant: TenantConfiguration, returnTo: String, request: Request) async throws -> Response {
        let reference = Self.reference(request)
        guard let provider = registry.provider(for: tenant.id), let context = contexts.context(forTenant: tenant.id) else {
            return problem(.notConfigured, reference: reference, detail: "no usable IdP metadata for tenant \(tenant.id)")
        }
        let wantsSigned = provider.metadata.wantAuthnRequestsSigned
        if wantsSigned && signingKey == nil {
            return problem(.notConfigured, reference: reference, detail: "the IdP wants signed requests and sp.key_file is not set")
        }
        let moment = now()
        let redirect = provider.metadata.singleSignOnServices[IdPMetadata.redirectBinding]
        guard let destination = redirect ?? provider.metadata.singleSignOnServices[IdPMetadata.postBinding] else {
            return problem(.notConfigured, reference: reference, detail: "no SSO endpoint")
        }
        let authnRequest = AuthnRequest(destination: destination, acsURL: context.acsURL, spEntityID: context.spEntityID, now: moment)
        let keys = try await secrets.secrets()
        let pending = PendingSignIns.decode(HTTPForms.cookies(request)[cookies.pending], secret: keys.pendingSignIns, now: moment)
            .adding(
                PendingSignIn(
                    requestID: authnRequest.id, tenantID: tenant.id, returnTo: returnTo, expiresAt: moment.addingTimeInterval(PendingSignIns.lifetime)
                ),
                now: moment)
        var headers = HTTPFields()
        headers.append(
            HTTPField(
                name: .setCookie,
                value: HTTPForms.setCookie(
                    cookies.pending, pending.encode(secret: keys.pendingSignIns), secure: secureCookies, maxAge: Int(PendingSignIns.lifetime),
                    crossSite: true)))
        headers[.cacheControl] = "no-store"
        logger.info("sign-in started", metadata: ["tenant": "\(tenant.id)", "request_id": "\(reference)", "authn_request": "\(authnRequest.id)"])
        // RelayState is opaque: the return path stays in the MAC'd cookie, never in the IdP's hands.
        if redirect != nil {
            headers[.location] = try authnRequest.redirectURL(relayState: authnRequest.id, signingKey: wantsSigned ? signingKey?.redirect : nil)
            return Response(status: .found, headers: headers)
        }
        headers[.contentType] = "text/html; charset=utf-8"
        let html = PostBindingForm.html(
            action: destination, samlRequest: try authnRequest.postBindingValue(signingKey: wantsSigned ? signingKey?.post : nil),
            relayState: authnRequest.id)
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    // MARK: ACS

    /// `POST /sso/saml/{t}/acs`: validate, link to the tenant's user, start a session.
    func assertionConsumer(_ request: Request, tenantID: String) async throws -> Response {
        let reference = Self.reference(request)
        guard let tenant = reloader.configuration.tenants.first(where: { $0.id == tenantID }), let context = contexts.context(forTenant: tenantID)
        else {
            return problem(.notConfigured, reference: reference, detail: "tenant \(tenantID) unknown or without metadata")
        }
        let fields = try await form(request)
        guard let encoded = fields["SAMLResponse"], let xml = Data(base64Encoded: encoded.filter { !$0.isWhitespace }) else {
            return problem(.badRequest, reference: reference, detail: "no SAMLResponse")
        }
        let pendingCookie = HTTPForms.cookies(request)[cookies.pending]
        // The IdP's POST is cross-site: a Lax pending cookie stays behind (plain http), so the
        // response is posted again from this origin, unread, and validated when the cookie comes.
        if ACSResubmission.isNeeded(fields: fields, pendingCookiePresent: pendingCookie != nil, request: request) {
            logger.info("response re-submitted from this site", metadata: ["tenant": "\(tenantID)", "request_id": "\(reference)"])
            return ACSResubmission.page(action: "\(ssoPrefix)/saml/\(tenantID)/acs", samlResponse: encoded, relayState: fields["RelayState"])
        }
        let moment = now()
        let keys = try await secrets.secrets()
        let pending = PendingSignIns.decode(pendingCookie, secret: keys.pendingSignIns, now: moment)
        let validator = SAMLResponseValidator(context: context, replayCache: store)
        let validated: ValidatedAssertion
        do {
            validated = try await validator.validate(responseXML: Array(xml), pendingRequestIDs: pending.requestIDs(tenantID: tenantID), now: moment)
        } catch {
            let expired = error.code == .inResponseTo && pending.requestIDs(tenantID: tenantID).isEmpty
            let shown: SignInProblem =
                expired
                ? .expired
                : error.code == .controlCharacter ? .invalidIdentity : error.code == .replayCacheUnavailable ? .storeUnavailable : .idpRefused
            return problem(shown, reference: reference, detail: "\(error)", tenant: tenantID)
        }
        let returnTo: String
        if let answered = validated.inResponseTo, let entry = pending.entry(requestID: answered) {
            returnTo = entry.returnTo
        } else {
            returnTo = ReturnPath.sanitize(fields["RelayState"]) ?? "/"
        }

        let settings = SignInSettings(
            provisionsWithSCIM: !tenant.scimTokenSHA256.isEmpty, roleFromAssertion: tenant.roleAttribute != nil,
            justInTimeRole: tenant.jitDefaultRole, allowedRoles: Set(DashboardRole.all), justInTimeEmailDomains: Set(tenant.emailDomains))
        let user: SignInAccount
        switch try await linking.outcome(for: validated, settings: settings, now: moment) {
        case .linked(let account, _):
            user = account
        case .createdJustInTime(let account):
            logger.info("user created at first sign-in", metadata: ["tenant": "\(tenantID)", "user_id": "\(account.id)", "role": "\(account.role)"])
            user = account
        case .roleRefused:
            return problem(.idpRefused, reference: reference, detail: "role attribute missing or not a dashboard role", tenant: tenantID)
        case .notProvisioned:
            return problem(.notProvisioned, reference: reference, detail: "no user for that email", tenant: tenantID)
        case .emailOutsideTenantDomains:
            return problem(
                .notProvisioned, reference: reference,
                detail: "just-in-time account not created: the asserted email's domain is not one of the tenant's email_domains", tenant: tenantID)
        case .deactivated(let account):
            return problem(.deactivated, reference: reference, detail: "user \(account.id) is deactivated", tenant: tenantID)
        }

        let cookie = SessionCookie.random()
        let session = StoredSession(
            idHash: cookie.storeKey, userID: user.id, tenantID: tenantID, nameID: validated.nameID, sessionIndex: validated.sessionIndex,
            createdAt: moment, lastSeenAt: moment, expiresAt: lifetime.expiry(startingAt: moment, sessionNotOnOrAfter: validated.sessionNotOnOrAfter)
        )
        try await store.createSession(session)
        logger.info(
            "signed in",
            metadata: ["tenant": "\(tenantID)", "user_id": "\(user.id)", "request_id": "\(reference)", "assertion": "\(validated.assertionID)"])
        var headers = HTTPFields()
        let maxAge = max(0, Int(session.expiresAt.timeIntervalSince(moment)))
        headers.append(
            HTTPField(
                name: .setCookie,
                value: HTTPForms.setCookie(cookies.session, cookie.value(secret: keys.sessionCookie), secure: secureCookies, maxAge: maxAge)))
        let remaining = validated.inResponseTo.map { pending.removing(requestID: $0) } ?? pending
        headers.append(
            HTTPField(
                name: .setCookie,
                value: HTTPForms.setCookie(
                    cookies.pending, remaining.encode(secret: keys.pendingSignIns), secure: secureCookies, maxAge: Int(PendingSignIns.lifetime),
                    crossSite: true)))
        headers[.location] = returnTo
        headers[.cacheControl] = "no-store"
        return Response(status: .seeOther, headers: headers)
    }

    // MARK: Helpers

    private func form(_ request: Request) async throws -> [String: String] {
        let body = try await request.body.collect(upTo: maximumBodyBytes)
        return HTTPForms.decode(Substring(String(buffer: body)))
    }

    private func problem(_ problem: SignInProblem, reference: String, detail: String, tenant: String? = nil) -> Response {
        logger.warning(
            "sign-in refused",
            metadata: ["code": "\(problem.rawValue)", "reason": "\(detail)", "request_id": "\(reference)", "tenant": "\(tenant ?? "-")"])
        return SignInPages.problem(problem, reference: reference)
    }

    /// The proxy's request id (X-Request-Id), which the log lines carry too.
    private static func reference(_ request: Request) -> String {
        request.headers[HTTPField.Name("X-Request-Id")!] ?? UUID().uuidString.lowercased()
    }
}

extension SessionLifetime {
    init(_ settings: SessionSettings) {
        self.init(idle: settings.idleTimeout.timeInterval, absolute: settings.absoluteTimeout.timeInterval)
    }
}
