import Foundation

/// What a response carries besides the stored document.
public struct SCIMMeta: Sendable {
    public var created: Date
    public var lastModified: Date
    public var version: Int
    public var location: String

    public init(created: Date, lastModified: Date, version: Int, location: String) {
        self.created = created
        self.lastModified = lastModified
        self.version = version
        self.location = location
    }

    /// The `meta` attribute of a resource of `resourceType`.
    public func json(resourceType: String) -> JSONValue {
        .object([
            "resourceType": .string(resourceType), "created": .string(SCIMDateParser.string(created)),
            "lastModified": .string(SCIMDateParser.string(lastModified)), "location": .string(location), "version": .string(Self.etag(version)),
        ])
    }

    /// The weak ETag of a version, as `meta.version` and the `ETag` header carry it.
    public static func etag(_ version: Int) -> String { "W/\"\(version)\"" }
}

/// Builds the resource a response returns and applies `attributes` / `excludedAttributes`.
public enum SCIMRepresentation {
    public static func resource(
        _ document: [String: JSONValue], type: SCIMResourceType, id: String, meta: SCIMMeta, extra: [String: JSONValue] = [:]
    ) -> [String: JSONValue] {
        var resource = document.merging(extra) { _, new in new }
        resource["schemas"] = .array(type.schemaURNs(of: document).map(JSONValue.string))
        resource["id"] = .string(id)
        resource["meta"] = meta.json(resourceType: type.name)
        return resource
    }

    /// RFC 7644 §3.4.2.5: with `attributes`, only those (and `id`, `schemas`); otherwise all but
    /// `excludedAttributes`. Names are matched ignoring case, with or without their schema URN.
    public static func select(_ resource: [String: JSONValue], type: SCIMResourceType, attributes: [String], excluded: [String])
        -> [String: JSONValue]
    {
        let always: Set<String> = ["id", "schemas"]
        if !attributes.isEmpty {
            var kept: [String: JSONValue] = [:]
            for key in always { kept[key] = resource[key] }
            for requested in attributes { copy(requested, from: resource, into: &kept, type: type) }
            return kept
        }
        var result = resource
        for name in excluded {
            let (schema, attribute, sub) = type.splitKey(name)
            guard let attribute, let location = type.locate(schema: schema, name: attribute), !always.contains(location.name) else { continue }
            edit(&result, container: location.container) { fields in
                guard let key = fields.key(matching: location.name) else { return }
                guard let sub else {
                    fields[key] = nil
                    return
                }
                fields[key] = removing(sub, from: fields[key])
            }
        }
        return result
    }

    private static func copy(_ requested: String, from resource: [String: JSONValue], into kept: inout [String: JSONValue], type: SCIMResourceType) {
        let (schema, attribute, sub) = type.splitKey(requested)
        guard let attribute, let location = type.locate(schema: schema, name: attribute) else { return }
        let source = location.container.map { resource[$0]?.objectValue ?? [:] } ?? resource
        guard let key = source.key(matching: location.name), let value = source[key] else { return }
        let picked = sub.map { keeping($0, of: value) } ?? value
        guard let picked else { return }
        edit(&kept, container: location.container) { fields in
            if let sub, let existing = fields[key] { fields[key] = merge(existing, picked, sub: sub) } else { fields[key] = picked }
        }
    }

    private static func edit(_ resource: inout [String: JSONValue], container: String?, _ body: (inout [String: JSONValue]) -> Void) {
        guard let container else {
            body(&resource)
            return
        }
        var fields = resource[container]?.objectValue ?? [:]
        body(&fields)
        resource[container] = fields.isEmpty ? nil : .object(fields)
    }

    private static func keeping(_ sub: String, of value: JSONValue) -> JSONValue? {
        switch value {
        case .object(let fields): return fields.key(matching: sub).map { .object([$0: fields[$0]!]) }
        case .array(let elements):
            let picked = elements.compactMap { keeping(sub, of: $0) }
            return picked.isEmpty ? nil : .array(picked)
        default: return nil
        }
    }

    private static func merge(_ existing: JSONValue, _ picked: JSONValue, sub: String) -> JSONValue {
        switch (existing, picked) {
        case (.object(let a), .object(let b)): return .object(a.merging(b) { _, new in new })
        case (.array(let a), .array(let b)) where a.count == b.count:
            return .array(zip(a, b).map { merge($0, $1, sub: sub) })
        default: return picked
        }
    }

    private static func removing(_ sub: String, from value: JSONValue?) -> JSONValue? {
        switch value {
        case .object(var fields)?:
            if let key = fields.key(matching: sub) { fields[key] = nil }
            return fields.isEmpty ? nil : .object(fields)
        case .array(let elements)?:
            let kept = elements.compactMap { removing(sub, from: $0) }
            return kept.isEmpty ? nil : .array(kept)
        default: return value
        }
    }
}
