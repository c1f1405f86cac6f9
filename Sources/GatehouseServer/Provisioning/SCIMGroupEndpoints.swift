import Foundation
import GatehouseSCIM
import HTTPTypes
import Hummingbird

/// `/Groups`: list and `.search`, get, create, PUT, PATCH (rename, membership in Okta's and
/// Entra's shapes) and DELETE. Members are users of the same tenant, kept as references.
struct SCIMGroupEndpoints: SCIMResourceEndpoints {
    let store: any DirectoryStore
    let now: @Sendable () -> Date

    func page(_ call: SCIMCall, _ query: SCIMListQuery) async throws -> (totalResults: Int, resources: [String]) {
        let page = try await store.groups(tenantID: call.tenant.id, filter: query.filter, startIndex: query.startIndex, count: query.count)
        let resources = page.items.map { group in
            JSONValue.object(
                SCIMRepresentation.select(
                    representation(group, call: call), type: .group, attributes: query.attributes, excluded: query.excludedAttributes)
            ).jsonText
        }
        return (page.totalResults, resources)
    }

    func get(_ call: SCIMCall, id: String) async throws -> Response {
        guard let group = try await store.group(tenantID: call.tenant.id, id: id) else { throw SCIMError.notFound }
        let query = try await call.listQuery(search: false)
        let resource = SCIMRepresentation.select(
            representation(group, call: call), type: .group, attributes: query.attributes, excluded: query.excludedAttributes)
        return SCIMResponses.json(.object(resource), headers: [.eTag: SCIMMeta.etag(group.version)])
    }

    func create(_ call: SCIMCall) async throws -> Response {
        let (document, members) = try Self.split(try SCIMDocument.fromRequest(try await call.body(), type: .group))
        let moment = now()
        let group = StoredGroup(
            tenantID: call.tenant.id, displayName: try Self.displayName(document), externalID: document["externalId"]?.stringValue,
            document: JSONValue.object(document).jsonText, memberIDs: members, createdAt: moment)
        try await store.createGroup(
            group,
            audit: call.audit("create", "Group", group.id, attributes: document.keys.sorted() + (members.isEmpty ? [] : ["members"]), at: moment))
        guard let stored = try await store.group(tenantID: call.tenant.id, id: group.id) else { throw SCIMError.notFound }
        return SCIMResponses.json(
            .object(representation(stored, call: call)), status: .created,
            headers: [.location: "\(call.baseURL)/Groups/\(stored.id)", .eTag: SCIMMeta.etag(stored.version)])
    }

    func update(_ call: SCIMCall, id: String) async throws -> Response {
        let body = try await call.body()
        let isPatch = call.method == .patch
        let moment = now()
        let updated = try await store.updateGroup(tenantID: call.tenant.id, id: id) { current in
            try call.checkIfMatch(current.version)
            var old = JSONValue.parse(Array(current.document.utf8))?.objectValue ?? [:]
            if !current.memberIDs.isEmpty { old["members"] = .array(current.memberIDs.map { .object(["value": .string($0)]) }) }
            let proposed = try SCIMDocument.proposed(by: body, patch: isPatch, current: old, type: .group)
            let (document, members) = try Self.split(proposed)
            var group = current
            group.displayName = try Self.displayName(document)
            group.externalID = document["externalId"]?.stringValue
            group.document = JSONValue.object(document).jsonText
            group.memberIDs = members
            group.updatedAt = moment
            let attributes = SCIMChanges.changedAttributes(from: old, to: proposed, type: .group)
            return (group, call.audit(isPatch ? "patch" : "replace", "Group", id, attributes: attributes, at: moment))
        }
        guard let updated else { throw SCIMError.notFound }
        return SCIMResponses.json(.object(representation(updated, call: call)), headers: [.eTag: SCIMMeta.etag(updated.version)])
    }

    func delete(_ call: SCIMCall, id: String) async throws -> Response {
        guard let group = try await store.group(tenantID: call.tenant.id, id: id) else { throw SCIMError.notFound }
        try call.checkIfMatch(group.version)
        guard try await store.deleteGroup(tenantID: call.tenant.id, id: id, audit: call.audit("delete", "Group", id, attributes: [], at: now()))
        else { throw SCIMError.notFound }
        return Response(status: .noContent)
    }

    /// The stored document (without members) and the member references.
    private static func split(_ document: [String: JSONValue]) throws -> ([String: JSONValue], [String]) {
        var stored = document
        let members = try (stored.removeValue(forKey: "members")?.arrayValue ?? []).map { element -> String in
            guard let id = element.objectValue?["value"]?.stringValue, !id.isEmpty else {
                throw SCIMError.invalidValue("Each member needs the value of a user id.")
            }
            if let type = element.objectValue?["type"]?.stringValue, type != "User" {
                throw SCIMError.invalidValue("Only users can be members (not \(type)).")
            }
            return id
        }
        return (stored, members)
    }

    private static func displayName(_ document: [String: JSONValue]) throws -> String {
        guard let name = document["displayName"]?.stringValue, !name.isEmpty else { throw SCIMError.invalidValue("displayName is required.") }
        return name
    }

    private func representation(_ group: StoredGroup, call: SCIMCall) -> [String: JSONValue] {
        var extra: [String: JSONValue] = [:]
        if !group.memberIDs.isEmpty {
            extra["members"] = .array(
                group.memberIDs.map { member in
                    .object([
                        // No `display`: RFC 7643 §8.7.1 members carry value, $ref and type only.
                        "value": .string(member), "$ref": .string("\(call.baseURL)/Users/\(member)"), "type": "User",
                    ])
                })
        }
        var document = JSONValue.parse(Array(group.document.utf8))?.objectValue ?? [:]
        document["members"] = nil
        return SCIMRepresentation.resource(
            document, type: .group, id: group.id,
            meta: SCIMMeta(
                created: group.createdAt, lastModified: group.updatedAt, version: group.version, location: "\(call.baseURL)/Groups/\(group.id)"),
            extra: extra)
    }
}
