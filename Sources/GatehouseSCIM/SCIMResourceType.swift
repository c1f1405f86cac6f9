/// A resource type's shape: its core schema, its extensions, and how an attribute name (as a
/// client spells it: any case, maybe URN-qualified) resolves to where it lives in a document.
public struct SCIMResourceType: Sendable {
    public let name: String
    public let endpoint: String
    public let core: SCIMSchemaDefinition
    public let extensions: [SCIMSchemaDefinition]

    public static let user = SCIMResourceType(name: "User", endpoint: "Users", core: SCIMSchemas.user, extensions: [SCIMSchemas.enterpriseUser])
    public static let group = SCIMResourceType(name: "Group", endpoint: "Groups", core: SCIMSchemas.group, extensions: [])

    /// Where an attribute lives: at the top level (`container == nil`) or inside an extension's
    /// object, with its definition when the schema declares it.
    public struct Location: Sendable {
        public var container: String?
        public var name: String
        public var definition: SCIMAttributeDefinition?
    }

    /// The extension whose URN is `uri`, ignoring case.
    public func `extension`(_ uri: String) -> SCIMSchemaDefinition? {
        let lowered = uri.lowercased()
        return extensions.first { $0.id.lowercased() == lowered }
    }

    /// Resolves `[schema:]name`; nil when the schema is unknown or a core name is undeclared.
    /// Unknown names inside a declared extension resolve without a definition (they are kept).
    public func locate(schema: String?, name: String) -> Location? {
        if let schema, schema.lowercased() != core.id.lowercased() {
            guard let ext = self.extension(schema) else { return nil }
            let definition = ext.attribute(name)
            return Location(container: ext.id, name: definition?.name ?? name, definition: definition)
        }
        guard let definition = core.attribute(name) ?? SCIMSchemas.common.first(where: { $0.name.lowercased() == name.lowercased() }) else {
            return nil
        }
        return Location(container: nil, name: definition.name, definition: definition)
    }

    /// Splits a key such as `urn:…:enterprise:2.0:User:manager.value`, `name.givenName` or an
    /// extension URN on its own into its schema, attribute and sub-attribute.
    public func splitKey(_ key: String) -> (schema: String?, name: String?, subAttribute: String?) {
        if let ext = self.extension(key) { return (ext.id, nil, nil) }
        var schema: String?
        var rest = Substring(key)
        if key.lowercased().hasPrefix("urn:"), let colon = key.lastIndex(of: ":") {
            schema = String(key[..<colon])
            rest = key[key.index(after: colon)...]
        }
        let parts = rest.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        return (schema, String(parts[0]), parts.count == 2 ? String(parts[1]) : nil)
    }

    /// The `schemas` value of a document: the core URN and each extension it carries.
    public func schemaURNs(of document: [String: JSONValue]) -> [String] {
        [core.id] + extensions.filter { document[$0.id] != nil }.map(\.id)
    }
}
