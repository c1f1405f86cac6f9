import Foundation
import GatehouseConfig
import GatehouseSCIM
import HTTPTypes
import Hummingbird
import Logging

/// `/scim/v2/{t}/…`: bearer-token authentication per tenant (a token of another tenant gets 404,
/// so nothing tells it this tenant exists), the discovery resources, and SCIM-shaped errors for
/// everything else.
struct SCIMRoutes: Sendable {
    let reloader: ConfigReloader
    let logger: Logger

    func handle(_ request: Request, tenantID: String, path: [Substring]) -> Response {
        let configuration = reloader.configuration
        guard let token = SCIMBearerToken.token(fromAuthorization: request.headers[.authorization]) else {
            return Self.respond(.unauthorized, headers: [.wwwAuthenticate: #"Bearer realm="gatehouse""#])
        }
        guard let tenant = configuration.tenants.first(where: { $0.id == tenantID }), SCIMBearerToken.matches(token, hashes: tenant.scimTokenSHA256)
        else {
            if configuration.tenants.contains(where: { SCIMBearerToken.matches(token, hashes: $0.scimTokenSHA256) }) {
                logger.warning("SCIM token used for another tenant", metadata: ["tenant": "\(tenantID)"])
                return Self.respond(.notFound)
            }
            logger.warning("SCIM request with an unknown token", metadata: ["tenant": "\(tenantID)"])
            return Self.respond(.unauthorized, headers: [.wwwAuthenticate: #"Bearer realm="gatehouse", error="invalid_token""#])
        }
        let discovery = SCIMDiscovery(baseURL: "\(configuration.publicURL.origin)/scim/v2/\(tenant.id)")
        let segments = path.map(String.init)
        let isGet = request.method == .get
        switch segments.first {
        case "ServiceProviderConfig" where segments.count == 1:
            return isGet ? Self.json(discovery.serviceProviderConfig) : Self.respond(.methodNotAllowed)
        case "ResourceTypes" where segments.count <= 2:
            guard isGet else { return Self.respond(.methodNotAllowed) }
            return Self.one(of: discovery.resourceTypes, id: segments.count == 2 ? segments[1] : nil)
        case "Schemas" where segments.count <= 2:
            guard isGet else { return Self.respond(.methodNotAllowed) }
            return Self.one(of: discovery.schemas, id: segments.count == 2 ? segments[1] : nil)
        case "Users", "Groups":
            // Provisioning itself is the rest of the SCIM issue; until then say so, SCIM-shaped.
            return Self.respond(SCIMError(status: 501, detail: "\(segments[0]) provisioning is not available yet."))
        default:
            return Self.respond(.notFound)
        }
    }

    /// The list, or the one resource with `id` (404 when there is none).
    private static func one(of resources: [[String: Any]], id: String?) -> Response {
        guard let id else { return json(SCIMDiscovery.list(resources)) }
        guard let resource = resources.first(where: { ($0["id"] as? String) == id }) else { return respond(.notFound) }
        return json(resource)
    }

    static func json(_ object: Any, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return Response(status: status, headers: [.contentType: "application/scim+json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func respond(_ error: SCIMError, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/scim+json"
        return Response(
            status: HTTPResponse.Status(code: error.status), headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: error.json)))
    }
}
