import GatehouseBasics

/// Responses written from the stored JSON text, without parsing it into `JSONValue` and encoding
/// it again (the costliest part of a SCIM read). Used when no `attributes`/`excludedAttributes`
/// ask for a selection. A stored document never holds `id`, `meta`, `schemas` or `groups` (they
/// are read-only and dropped on the way in), so adding them beside its keys cannot duplicate one.
extension SCIMRepresentation {
    /// The resource as JSON text: the server's attributes, then the stored ones.
    public static func text(storedJSON: String, type: SCIMResourceType, id: String, meta: SCIMMeta, extra: [String: JSONValue] = [:]) -> String {
        var own = extra
        own["id"] = .string(id)
        own["meta"] = meta.json(resourceType: type.name)
        own["schemas"] = .array(type.schemaURNs(ofStoredJSON: storedJSON).map(JSONValue.string))
        let prefix = JSONValue.object(own).jsonText
        let stored = storedJSON.utf8.count > 2 ? storedJSON.dropFirst() : nil  // "{…}" -> "…}"
        guard let stored, prefix.hasSuffix("}") else { return prefix }
        return String(prefix.dropLast()) + "," + stored
    }

    /// A ListResponse around resources already written as JSON text.
    public static func listText(_ resources: [String], totalResults: Int, startIndex: Int) -> String {
        "{\"Resources\":[" + resources.joined(separator: ",") + "],\"itemsPerPage\":\(resources.count),\"schemas\":[\"\(SCIMDiscovery.listSchema)\"],"
            + "\"startIndex\":\(startIndex),\"totalResults\":\(totalResults)}"
    }
}

extension SCIMResourceType {
    /// The `schemas` of a stored document's JSON text: an extension counts when its URN appears as
    /// a key. In JSONEncoder's output a quote inside a string is escaped, so `"urn…":` not preceded
    /// by a backslash is a key; and only an extension's object may hold keys of arbitrary names.
    public func schemaURNs(ofStoredJSON text: String) -> [String] {
        [core.id]
            + extensions.filter { ext in Self.hasKey(Array("\"\(ext.id)\":".utf8), in: text) }.map(\.id)
    }

    /// Whether `needle` (a quoted key and its colon) appears not preceded by a backslash. Bytes,
    /// not Foundation's `range(of:)`: the needle is ASCII and this runs per response.
    private static func hasKey(_ needle: [UInt8], in text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            var start = 0
            while let found = bytes.firstOffset(of: needle, from: start) {
                if found == 0 || bytes[found - 1] != UInt8(ascii: "\\") { return true }
                start = found + 1
            }
            return false
        }
    }
}
