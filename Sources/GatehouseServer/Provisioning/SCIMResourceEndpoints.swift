import GatehouseSCIM
import Hummingbird

/// The operations of a SCIM resource endpoint (`/Users`, `/Groups`) and how a path and method
/// reach them: list and `.search` on the collection, get/PUT/PATCH/DELETE on one resource, 405
/// for other methods, 404 for deeper paths.
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

    func handle(_ call: SCIMCall, _ path: [String]) async throws -> Response {
        switch (path.count, call.method) {
        case (0, .get): return try await list(call, try await call.listQuery(search: false))
        case (0, .post): return try await create(call)
        case (1, .post) where path[0] == ".search": return try await list(call, try await call.listQuery(search: true))
        case (1, .get): return try await get(call, id: path[0])
        case (1, .put), (1, .patch): return try await update(call, id: path[0])
        case (1, .delete): return try await delete(call, id: path[0])
        case (0, _), (1, _): throw SCIMError.methodNotAllowed
        default: throw SCIMError.notFound
        }
    }
}
