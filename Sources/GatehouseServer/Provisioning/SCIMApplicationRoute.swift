import GatehouseProxy
import NIOHTTP1

extension RouteClass {
    /// SCIM provisioning.
    static let scim = RouteClass(rawValue: "scim")
}

/// SCIM as the front proxy sees it: everything under `/scim/`, answered in process (IdPs send
/// many small requests in a row), bodies up to `proxy.max_scim_body_bytes`.
enum SCIMApplicationRoute {
    static func route(maximumBodyBytes: Int, serving: ApplicationRoute.Serving) -> ApplicationRoute {
        ApplicationRoute(
            matches: [.prefix("/scim/")], serving: serving, routeClass: .scim, maximumBodyBytes: maximumBodyBytes, bodyTooLarge: bodyTooLarge)
    }

    /// A SCIM request body over the limit, in the SCIM error schema.
    static let bodyTooLarge: LocalResponse = {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/scim+json")
        return LocalResponse(
            status: .payloadTooLarge, headers: headers,
            body: #"{"detail":"The request body is too large.","schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"413"}"#)
    }()
}
