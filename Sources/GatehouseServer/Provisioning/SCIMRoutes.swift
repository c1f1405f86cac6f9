import Foundation
import GatehouseConfig
import GatehouseSCIM
import HTTPTypes
import Hummingbird
import Logging

/// `/scim/v2/{t}/…`: bearer-token authentication per tenant (a token of another tenant gets 404,
/// so nothing tells it this tenant exists), the discovery resources, Users and Groups, the
/// search across both (`/.search`), and SCIM-shaped errors for everything else.
struct SCIMRoutes: Sendable {
    let reloader: ConfigReloader
    let users: SCIMUserEndpoints
    let groups: SCIMGroupEndpoints
    let logger: Logger

    init(reloader: ConfigReloader, store: any ServerStore, revocation: any SessionRevocation, now: @escaping @Sendable () -> Date, logger: Logger) {
        self.reloader = reloader
        self.logger = logger
        users = SCIMUserEndpoints(store: store, administration: UserAdministration(directory: store, sessions: revocation), now: now)
        groups = SCIMGroupEndpoints(store: store, now: now)
    }

    func handle(_ request: Request, tenantID: String, path: [Substring]) async -> Response {
        let configuration = reloader.configuration
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
        let call = SCIMCall(
            request: request, tenant: tenant, baseURL: "\(configuration.publicURL.origin)/scim/v2/\(tenant.id)",
            actor: "scim-token:\(presented.id)", maximumBodyBytes: configuration.proxy.maxSCIMBodyBytes)
        let segments = path.map(String.init)
        do {
            switch (segments.first, segments.count) {
            case ("ServiceProviderConfig", 1), ("ResourceTypes", 1...2), ("Schemas", 1...2):
                return discovery(call, segments)
            case ("Users", _):
                return try await users.handle(call, Array(segments.dropFirst()))
            case ("Groups", _):
                return try await groups.handle(call, Array(segments.dropFirst()))
            case (".search", 1):
                return try await SCIMRootSearch(types: [(.user, users), (.group, groups)]).search(call)
            default:
                return SCIMResponses.error(.notFound)
            }
        } catch {
            return SCIMResponses.error(from: error, logger: logger, tenantID: tenant.id)
        }
    }

    private func discovery(_ call: SCIMCall, _ segments: [String]) -> Response {
        guard call.request.method == .get else { return SCIMResponses.error(.methodNotAllowed) }
        let discovery = SCIMDiscovery(baseURL: call.baseURL)
        switch segments[0] {
        case "ServiceProviderConfig": return SCIMResponses.json(discovery.serviceProviderConfig)
        case "ResourceTypes": return Self.one(of: discovery.resourceTypes, id: segments.count == 2 ? segments[1] : nil)
        default: return Self.one(of: discovery.schemas, id: segments.count == 2 ? segments[1] : nil)
        }
    }

    /// The list, or the one resource with `id` (404 when there is none).
    private static func one(of resources: [JSONValue], id: String?) -> Response {
        guard let id else { return SCIMResponses.json(SCIMDiscovery.list(resources)) }
        guard let resource = resources.first(where: { $0.objectValue?["id"]?.stringValue == id }) else {
            return SCIMResponses.error(.notFound)
        }
        return SCIMResponses.json(resource)
    }
}

/// One authenticated SCIM request: its tenant, base URL and the audit actor (the token's id:
/// the first 12 hex digits of its SHA-256, which the operator can match in the config).
struct SCIMCall: Sendable {
    let request: Request
    let tenant: TenantConfiguration
    let baseURL: String
    let actor: String
    let maximumBodyBytes: Int

    var method: HTTPRequest.Method { request.method }

    /// The request body as JSON; 400 `invalidSyntax` when it is not.
    func body() async throws -> JSONValue {
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: maximumBodyBytes) } catch {
            throw SCIMError(status: 413, detail: "The request body is larger than \(maximumBodyBytes) bytes.")
        }
        guard let value = JSONValue.parse(buffer.readableBytesView) else { throw SCIMError.invalidSyntax("The body is not valid JSON.") }
        return value
    }

    /// The list parameters of a GET (query) or a `.search` POST (body).
    func listQuery(search: Bool) async throws -> SCIMListQuery {
        if search { return try SCIMListQuery(search: try await body()) }
        return try SCIMListQuery(query: HTTPForms.decode(Substring(request.uri.query ?? "")))
    }

    /// 412 unless `If-Match` is absent, `*`, or names `version`.
    func checkIfMatch(_ version: Int) throws {
        guard let header = request.headers[.ifMatch]?.trimmingCharacters(in: .whitespaces), header != "*" else { return }
        let wanted = SCIMMeta.etag(version)
        let listed = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard listed.contains(where: { $0 == wanted || "W/\($0)" == wanted }) else { throw SCIMError.preconditionFailed }
    }

    func audit(_ operation: String, _ resourceType: String, _ id: String, attributes: [String], at now: Date) -> AuditEntry {
        AuditEntry(
            at: now, tenantID: tenant.id, actor: actor, resourceType: resourceType, resourceID: id, operation: operation, attributes: attributes)
    }
}
