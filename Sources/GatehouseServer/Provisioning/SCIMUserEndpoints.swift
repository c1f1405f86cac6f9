import Foundation
import GatehouseSCIM
import HTTPTypes
import Hummingbird

/// `/Users`: list and `.search`, get, create (adopting a pre-SCIM user where the tenant allows),
/// PUT, PATCH and DELETE: the HTTP side only; `UserAdministration` holds the rules (adoption,
/// versions, deactivation and deletion ending sessions before the answer, the audit).
struct SCIMUserEndpoints: SCIMResourceEndpoints {
    let store: any DirectoryStore
    let administration: UserAdministration
    let now: @Sendable () -> Date

    func page(_ call: SCIMCall, _ query: SCIMListQuery) async throws -> (totalResults: Int, resources: [String]) {
        let page = try await store.users(tenantID: call.tenant.id, filter: query.filter, startIndex: query.startIndex, count: query.count)
        if query.attributes.isEmpty && query.excludedAttributes.isEmpty {
            return (page.totalResults, page.items.map { text($0, call: call) })
        }
        let resources = try page.items.map { user in
            JSONValue.object(
                SCIMRepresentation.select(
                    try representation(user, call: call), type: .user, attributes: query.attributes, excluded: query.excludedAttributes)
            ).jsonText
        }
        return (page.totalResults, resources)
    }

    func get(_ call: SCIMCall, id: String) async throws -> Response {
        let query = try await call.listQuery(search: false)
        // One read for the user and its groups, in this tenant only.
        let found = try await store.users(tenantID: call.tenant.id, filter: .compare(.init(name: "id"), .eq, .string(id)), startIndex: 1, count: 1)
        guard let user = found.items.first else { throw SCIMError.notFound }
        if query.attributes.isEmpty && query.excludedAttributes.isEmpty {
            return SCIMResponses.text(text(user, call: call), headers: [.eTag: SCIMMeta.etag(user.version)])
        }
        let resource = SCIMRepresentation.select(
            try representation(user, call: call), type: .user, attributes: query.attributes, excluded: query.excludedAttributes)
        return SCIMResponses.json(.object(resource), headers: [.eTag: SCIMMeta.etag(user.version)])
    }

    func create(_ call: SCIMCall) async throws -> Response {
        let body = try await call.body()
        let (document, fields) = try SCIMUserRules.prepare(try SCIMDocument.fromRequest(body, type: .user), previous: nil)
        let moment = now()
        var user = StoredUser(tenantID: call.tenant.id, userName: fields.userName, email: fields.email, role: fields.role, createdAt: moment)
        user.apply(fields, document: document, at: moment)
        let attributes = document.keys.sorted() + (SCIMChanges.mentionsPassword(body) ? ["password"] : [])
        let (stored, _) = try await administration.provision(
            user, adoptExisting: call.tenant.scimAdoptExisting, audit: call.audit("create", "User", user.id, attributes: attributes, at: moment))
        return SCIMResponses.text(
            text(stored, call: call), status: .created,
            headers: [.location: "\(call.baseURL)/Users/\(stored.id)", .eTag: SCIMMeta.etag(stored.version)])
    }

    func update(_ call: SCIMCall, id: String) async throws -> Response {
        let body = try await call.body()
        let isPatch = call.method == .patch
        let moment = now()
        let updated = try await administration.update(tenantID: call.tenant.id, id: id) { current in
            try call.checkIfMatch(current.version)
            let old = Self.document(of: current)
            let proposed = try SCIMDocument.proposed(by: body, patch: isPatch, current: old, type: .user)
            let (document, fields) = try SCIMUserRules.prepare(proposed, previous: old)
            var user = current
            user.apply(fields, document: document, at: moment)
            let attributes =
                SCIMChanges.changedAttributes(from: old, to: document, type: .user)
                + (SCIMChanges.mentionsPassword(body) ? ["password"] : [])
            return (user, call.audit(isPatch ? "patch" : "replace", "User", id, attributes: attributes, at: moment))
        }
        guard let updated else { throw SCIMError.notFound }
        return SCIMResponses.text(text(updated, call: call), headers: [.eTag: SCIMMeta.etag(updated.version)])
    }

    func delete(_ call: SCIMCall, id: String) async throws -> Response {
        guard let user = try await store.user(id: id), user.tenantID == call.tenant.id else { throw SCIMError.notFound }
        try call.checkIfMatch(user.version)
        guard
            try await administration.delete(tenantID: call.tenant.id, id: id, audit: call.audit("delete", "User", id, attributes: [], at: now()))
        else { throw SCIMError.notFound }
        return Response(status: .noContent)
    }

    static func document(of user: StoredUser) -> [String: JSONValue] {
        user.document.flatMap { JSONValue.parse(Array($0.utf8)) }?.objectValue ?? [:]
    }

    /// The resource as JSON text, from the stored document's text.
    private func text(_ user: StoredUser, call: SCIMCall) -> String {
        SCIMRepresentation.text(
            storedJSON: user.document ?? "{}", type: .user, id: user.id, meta: meta(user, call: call), extra: extra(user, call: call))
    }

    private func meta(_ user: StoredUser, call: SCIMCall) -> SCIMMeta {
        SCIMMeta(created: user.createdAt, lastModified: user.updatedAt, version: user.version, location: "\(call.baseURL)/Users/\(user.id)")
    }

    /// The read-only `groups`, from memberships.
    private func extra(_ user: StoredUser, call: SCIMCall) -> [String: JSONValue] {
        var extra: [String: JSONValue] = [:]
        if !user.groups.isEmpty {
            extra["groups"] = .array(
                user.groups.map { group in
                    .object([
                        "value": .string(group.id), "display": .string(group.displayName), "$ref": .string("\(call.baseURL)/Groups/\(group.id)"),
                        "type": "direct",
                    ])
                })
        }
        return extra
    }

    private func representation(_ user: StoredUser, call: SCIMCall) throws -> [String: JSONValue] {
        SCIMRepresentation.resource(Self.document(of: user), type: .user, id: user.id, meta: meta(user, call: call), extra: extra(user, call: call))
    }
}
