import Foundation
import GatehouseBasics
import GatehouseConfig
import GatehouseSCIM
import HTTPTypes
import Hummingbird
import Logging

/// `/scim/v2/{t}/…` as a Hummingbird route group: `SCIMAuthentication` first (per-tenant bearer
/// tokens), then the discovery resources, Users and Groups, the search across both (`/.search`),
/// and SCIM-shaped 404 and 405 answers for every other path and method; `SCIMErrorResponses`
/// turns what an endpoint throws into a SCIM error.
struct SCIMRoutes: Sendable {
    let reloader: ConfigReloader
    let users: SCIMUserEndpoints
    let groups: SCIMGroupEndpoints
    let logger: Logger
    /// The methods routed to SCIM at all; others never reach it.
    static let methods: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete]

    init(reloader: ConfigReloader, store: any ServerStore, revocation: any SessionRevocation, now: @escaping @Sendable () -> Date, logger: Logger) {
        self.reloader = reloader
        self.logger = logger
        users = SCIMUserEndpoints(store: store, administration: UserAdministration(directory: store, sessions: revocation), now: now)
        groups = SCIMGroupEndpoints(store: store, now: now)
    }

    func register(on router: Router<BasicRequestContext>) {
        let scim = router.group("/scim/v2/:tenant", context: SCIMRequestContext.self)
            .add(middleware: SCIMErrorResponses(logger: logger))
            .add(middleware: SCIMAuthentication(reloader: reloader, logger: logger))
        let discovery: [(path: RouterPath, resources: @Sendable (SCIMDiscovery) -> Response)] = [
            ("ServiceProviderConfig", { SCIMResponses.json($0.serviceProviderConfig) }),
            ("ResourceTypes", { Self.one(of: $0.resourceTypes, id: nil) }),
            ("Schemas", { Self.one(of: $0.schemas, id: nil) }),
        ]
        for (path, resources) in discovery {
            scim.get(path) { request, context in resources(SCIMDiscovery(baseURL: try Self.call(request, context).baseURL)) }
        }
        scim.get("ResourceTypes/:id") { request, context in
            Self.one(of: SCIMDiscovery(baseURL: try Self.call(request, context).baseURL).resourceTypes, id: context.parameters.get("id"))
        }
        scim.get("Schemas/:id") { request, context in
            Self.one(of: SCIMDiscovery(baseURL: try Self.call(request, context).baseURL).schemas, id: context.parameters.get("id"))
        }
        register(users, at: "Users", on: scim)
        register(groups, at: "Groups", on: scim)
        scim.post(".search") { request, context in
            try await SCIMRootSearch(types: [(.user, users), (.group, groups)]).search(try Self.call(request, context))
        }
        // Everything else: 405 where the path exists, 404 where it does not.
        let allowed: [(RouterPath, Set<HTTPRequest.Method>)] = [
            ("ServiceProviderConfig", [.get]), ("ResourceTypes", [.get]), ("ResourceTypes/:id", [.get]), ("Schemas", [.get]),
            ("Schemas/:id", [.get]), ("Users", [.get, .post]), ("Groups", [.get, .post]), (".search", [.post]),
        ]
        for method in Self.methods {
            for (path, methods) in allowed where !methods.contains(method) {
                scim.on(path, method: method) { _, _ -> Response in throw SCIMError.methodNotAllowed }
            }
            for path: RouterPath in [
                "**", "ServiceProviderConfig/**", "ResourceTypes/:id/**", "Schemas/:id/**", "Users/:id/**", "Groups/:id/**", ".search/**",
            ] {
                scim.on(path, method: method) { _, _ -> Response in throw SCIMError.notFound }
            }
        }
    }

    /// A resource type's collection and its members: list, create, `.search`, get, PUT, PATCH, DELETE.
    private func register(_ endpoints: some SCIMResourceEndpoints, at path: String, on scim: RouterGroup<SCIMRequestContext>) {
        scim.get("\(path)") { request, context in
            let call = try Self.call(request, context)
            return try await endpoints.list(call, try await call.listQuery(search: false))
        }
        scim.post("\(path)") { request, context in try await endpoints.create(try Self.call(request, context)) }
        scim.get("\(path)/:id") { request, context in try await endpoints.get(try Self.call(request, context), id: Self.id(context)) }
        scim.put("\(path)/:id") { request, context in try await endpoints.update(try Self.call(request, context), id: Self.id(context)) }
        scim.patch("\(path)/:id") { request, context in try await endpoints.update(try Self.call(request, context), id: Self.id(context)) }
        scim.delete("\(path)/:id") { request, context in try await endpoints.delete(try Self.call(request, context), id: Self.id(context)) }
        // `POST …/.search` is the only POST to a member path (RFC 7644 §3.4.3).
        scim.post("\(path)/:id") { request, context in
            guard Self.id(context) == ".search" else { throw SCIMError.methodNotAllowed }
            let call = try Self.call(request, context)
            return try await endpoints.list(call, try await call.listQuery(search: true))
        }
    }

    /// The authenticated call; `SCIMAuthentication` runs before every route, so a missing caller
    /// is a wiring mistake, answered as unauthenticated.
    private static func call(_ request: Request, _ context: SCIMRequestContext) throws -> SCIMCall {
        guard let caller = context.caller else { throw SCIMError.unauthorized }
        return SCIMCall(
            request: request, tenant: caller.tenant, baseURL: caller.baseURL, actor: caller.actor, maximumBodyBytes: caller.maximumBodyBytes)
    }

    private static func id(_ context: SCIMRequestContext) -> String { context.parameters.get("id") ?? "" }

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
        guard let header = request.headers[.ifMatch]?.trimmingWhitespaces(), header != "*" else { return }
        let wanted = SCIMMeta.etag(version)
        let listed = header.split(separator: ",").map { $0.trimmingWhitespaces() }
        guard listed.contains(where: { $0 == wanted || "W/\($0)" == wanted }) else { throw SCIMError.preconditionFailed }
    }

    func audit(_ operation: String, _ resourceType: String, _ id: String, attributes: [String], at now: Date) -> AuditEntry {
        AuditEntry(
            at: now, tenantID: tenant.id, actor: actor, resourceType: resourceType, resourceID: id, operation: operation, attributes: attributes)
    }
}
