import GatehouseConfig
import GatehouseSAML
import Hummingbird
import Logging

/// Gatehouse's own HTTP application behind the front proxy: sign-in under the SSO prefix and
/// SCIM under `/scim/v2`. The front proxy forwards these paths here over a private Unix socket
/// after stripping identity headers and setting `X-Forwarded-For`.
enum ApplicationRoutes {
    static func router(
        configuration: GatehouseConfiguration, reloader: ConfigReloader, spCertificatesPEM: [String], signIn: SignInService,
        tokens: IdentityTokenProvider, sessions: SessionRoutes, scim: SCIMRoutes
    ) -> Router<BasicRequestContext> {
        let router = Router()
        let prefix = configuration.ssoPrefix
        // SP metadata; its URL is also the SP entity ID (the "Audience URI" given to the IdP).
        router.get("\(prefix)/saml/:tenant/metadata") { _, context in
            let tenant = context.parameters.get("tenant") ?? ""
            guard reloader.configuration.tenants.contains(where: { $0.id == tenant }) else {
                return SignInPages.page(status: .notFound, title: "Not found", body: "<p>There is no page at this address.</p>")
            }
            let metadata = ServiceProviderMetadata(
                publicOrigin: configuration.publicURL.origin, ssoPrefix: prefix, tenantID: tenant, certificatesPEM: spCertificatesPEM
            )
            return Response(
                status: .ok, headers: [.contentType: "application/samlmetadata+xml"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: metadata.xml))
            )
        }
        // The public keys of the identity JWT; cacheable for a few minutes, as upstreams poll it.
        router.get("\(prefix)/jwks.json") { _, _ in
            let jwks = try await tokens.tokenIssuer().jwks
            return Response(
                status: .ok, headers: [.contentType: "application/json", .cacheControl: "public, max-age=300"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: jwks)))
        }
        router.get("\(prefix)/auth") { request, _ in await sessions.forwardAuth(request) }
        router.get("\(prefix)/userinfo") { request, _ in try await sessions.userInfo(request) }
        router.get("\(prefix)/logout") { request, _ in try await sessions.logoutPage(request) }
        router.post("\(prefix)/logout") { request, _ in
            try await sessions.logout(request, maximumBodyBytes: configuration.proxy.maxFormBodyBytes)
        }
        router.get("\(prefix)/saml/:tenant/slo") { request, context in
            try await sessions.singleLogout(
                request, tenantID: context.parameters.get("tenant") ?? "", maximumBodyBytes: configuration.proxy.maxSAMLBodyBytes)
        }
        router.post("\(prefix)/saml/:tenant/slo") { request, context in
            try await sessions.singleLogout(
                request, tenantID: context.parameters.get("tenant") ?? "", maximumBodyBytes: configuration.proxy.maxSAMLBodyBytes)
        }
        router.get("\(prefix)/login") { request, _ in try await signIn.loginPage(request) }
        router.post("\(prefix)/login") { request, _ in try await signIn.submitLogin(request) }
        router.get("\(prefix)/saml/:tenant/login") { request, context in
            try await signIn.bookmark(request, tenantID: context.parameters.get("tenant") ?? "")
        }
        router.post("\(prefix)/saml/:tenant/acs") { request, context in
            try await signIn.assertionConsumer(request, tenantID: context.parameters.get("tenant") ?? "")
        }
        router.get("\(prefix)/**") { _, _ in
            SignInPages.page(status: .notFound, title: "Not found", body: "<p>There is no page at this address.</p>")
        }
        scim.register(on: router)
        for method in SCIMRoutes.methods {
            router.on("/scim/**", method: method) { _, _ in SCIMResponses.error(.notFound) }
        }
        return router
    }
}
