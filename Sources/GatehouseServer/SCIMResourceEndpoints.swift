import GatehouseSCIM
import Hummingbird

/// The operations of a SCIM resource endpoint (`/Users`, `/Groups`) and how a path and method
/// reach them: list and `.search` on the collection, get/PUT/PATCH/DELETE on one resource, 405
/// for other methods, 404 for deeper paths.
protocol SCIMResourceEndpoints: Sendable {
    func list(_ call: SCIMCall, _ query: SCIMListQuery) async throws -> Response
    func create(_ call: SCIMCall) async throws -> Response
    func get(_ call: SCIMCall, id: String) async throws -> Response
    /// PUT or PATCH, by the call's method.
    func update(_ call: SCIMCall, id: String) async throws -> Response
    func delete(_ call: SCIMCall, id: String) async throws -> Response
}

extension SCIMResourceEndpoints {
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
