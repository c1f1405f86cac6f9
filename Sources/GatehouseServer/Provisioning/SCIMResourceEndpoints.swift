import GatehouseSCIM
import Hummingbird

/// The operations of a SCIM resource endpoint (`/Users`, `/Groups`); `SCIMRoutes` maps paths and
/// methods onto them.
protocol SCIMResourceEndpoints: Sendable {
    /// One page of the collection as JSON texts, with the selection the query asks for, and the
    /// number of matches; for the collection's list and for the search across types.
    func page(_ call: SCIMCall, _ query: SCIMListQuery) async throws -> (totalResults: Int, resources: [String])
    func create(_ call: SCIMCall) async throws -> Response
    func get(_ call: SCIMCall, id: String) async throws -> Response
    /// PUT or PATCH, by the call's method.
    func update(_ call: SCIMCall, id: String) async throws -> Response
    func delete(_ call: SCIMCall, id: String) async throws -> Response
}

extension SCIMResourceEndpoints {
    func list(_ call: SCIMCall, _ query: SCIMListQuery) async throws -> Response {
        let page = try await page(call, query)
        return SCIMResponses.text(SCIMRepresentation.listText(page.resources, totalResults: page.totalResults, startIndex: query.startIndex))
    }
}
