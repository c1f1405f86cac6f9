import GatehouseSCIM
import HTTPTypes
import Hummingbird
import Logging

/// Bearer-token authentication per tenant, before any SCIM endpoint (and before a 404, so an
/// unauthenticated client learns nothing about paths). A token of another tenant gets 404, so
/// nothing tells it this tenant exists.
struct SCIMAuthentication: RouterMiddleware {
    typealias Context = SCIMRequestContext
    let reloader: ConfigReloader
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let configuration = reloader.configuration
        let tenantID = context.parameters.get("tenant") ?? ""
        guard let presented = SCIMBearerToken.token(fromAuthorization: request.headers[.authorization]).map(SCIMPresentedToken.init) else {
            return SCIMResponses.error(.unauthorized, headers: [.wwwAuthenticate: #"Bearer realm="gatehouse""#])
        }
        guard let tenant = configuration.tenants.first(where: { $0.id == tenantID }), presented.matches(tenant.scimTokenSHA256) else {
            if configuration.tenants.contains(where: { presented.matches($0.scimTokenSHA256) }) {
                logger.warning("SCIM token used for another tenant", metadata: ["tenant": "\(tenantID)"])
                return SCIMResponses.error(.notFound)
            }
            logger.warning("SCIM request with an unknown token", metadata: ["tenant": "\(tenantID)"])
            return SCIMResponses.error(.unauthorized, headers: [.wwwAuthenticate: #"Bearer realm="gatehouse", error="invalid_token""#])
        }
        var context = context
        context.caller = SCIMCaller(
            tenant: tenant, baseURL: "\(configuration.publicURL.origin)/scim/v2/\(tenant.id)", actor: "scim-token:\(presented.id)",
            maximumBodyBytes: configuration.proxy.maxSCIMBodyBytes)
        return try await next(request, context)
    }
}

/// Every error an endpoint throws becomes a SCIM error response (RFC 7644 §3.12), logged with its
/// tenant; nothing else reaches the client.
struct SCIMErrorResponses: RouterMiddleware {
    typealias Context = SCIMRequestContext
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return SCIMResponses.error(from: error, logger: logger, tenantID: context.parameters.get("tenant") ?? "")
        }
    }
}
