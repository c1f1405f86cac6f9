import GatehouseSCIM
import Hummingbird

/// `POST /.search` at the tenant's base URL (RFC 7644 §3.4.3): the tenant's Users, then its
/// Groups, each in creation order, paged together (`startIndex` and `count` run over both);
/// every resource carries its own `schemas` and `meta.resourceType`. The filter applies to each
/// type as `SCIMFilter.restricted(to:)` decides (an attribute a type lacks has no value there); a
/// path that no type has is an `invalidFilter`, as it is at one type's endpoint. `attributes` and
/// `excludedAttributes` apply to each resource; `sortBy` is not supported anywhere (the
/// ServiceProviderConfig says so) and is ignored here too.
struct SCIMRootSearch: Sendable {
    let types: [(type: SCIMResourceType, endpoints: any SCIMResourceEndpoints)]

    func search(_ call: SCIMCall) async throws -> Response {
        guard call.method == .post else { throw SCIMError.methodNotAllowed }
        let query = try await call.listQuery(search: true)
        if let filter = query.filter, let unknown = filter.attributePaths.first(where: { path in !types.contains { $0.type.has(path) } }) {
            throw SCIMError.invalidFilter("\(SCIMFilterPrinter.print(unknown)) is not an attribute of any resource type.")
        }
        var resources: [String] = []
        var total = 0
        for (type, endpoints) in types {
            var part = query
            switch query.filter?.restricted(to: type) ?? .everything {
            case .nothing: continue
            case .everything: part.filter = nil
            case .filter(let filter): part.filter = filter
            }
            // Positions run across types: this type's first match is number `total + 1`.
            part.startIndex = max(1, query.startIndex - total)
            part.count = query.count - resources.count
            let page = try await endpoints.page(call, part)
            resources += page.resources
            total += page.totalResults
        }
        return SCIMResponses.text(SCIMRepresentation.listText(resources, totalResults: total, startIndex: query.startIndex))
    }
}
