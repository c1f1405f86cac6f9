/// Brings a resource document to its stored shape: attribute names in the schema's spelling,
/// values of the declared types (Entra's `"False"` becomes `false`, a bare string for a complex
/// attribute becomes `{"value": …}`), read-only and write-only attributes (`id`, `meta`,
/// `groups`, `password`) and undeclared core attributes dropped, unknown attributes of declared
/// extensions kept as sent.
public enum SCIMDocument {
    public static func normalize(_ document: [String: JSONValue], type: SCIMResourceType) throws -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for (key, value) in document where value != .null {
            if let ext = type.extension(key) {
                guard case .object(let inner) = value else { throw SCIMError.invalidValue("\(ext.id) must be an object") }
                var stored: [String: JSONValue] = [:]
                for (name, member) in inner where member != .null {
                    guard let definition = ext.attribute(name) else {
                        stored[name] = member
                        continue
                    }
                    guard definition.mutability != .readOnly, definition.mutability != .writeOnly else { continue }
                    if let coerced = try coerce(member, definition, path: "\(ext.id):\(definition.name)") { stored[definition.name] = coerced }
                }
                if !stored.isEmpty { result[ext.id] = .object(stored) }
            } else if let location = type.locate(schema: nil, name: key), let definition = location.definition {
                guard definition.mutability != .readOnly, definition.mutability != .writeOnly else { continue }
                if let coerced = try coerce(value, definition, path: definition.name) { result[definition.name] = coerced }
            }
        }
        return result
    }

    /// The document as a body sent it: keys may be dotted (`name.givenName`) or URN-qualified,
    /// as in a PATCH without a path; read-only keys are ignored. A control character in any
    /// string or key of the body is a 400 `invalidValue` (`SCIMControlCharacters`).
    public static func fromRequest(_ body: JSONValue, type: SCIMResourceType) throws -> [String: JSONValue] {
        try SCIMControlCharacters.check(body)
        return try document(from: body, type: type)
    }

    private static func document(from body: JSONValue, type: SCIMResourceType) throws -> [String: JSONValue] {
        guard case .object(let fields) = body else { throw SCIMError.invalidSyntax("The body must be a JSON object.") }
        // Plain names (nearly every key) are placed directly: a replace into an empty document
        // is an assignment. Dotted and URN keys go through the PATCH engine.
        var plain: [String: JSONValue] = [:]
        var qualified: [String: JSONValue] = [:]
        for (key, value) in fields {
            if key.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: ":") }) {
                qualified[key] = value
            } else if let location = type.locate(schema: nil, name: key), let definition = location.definition,
                definition.mutability != .readOnly
            {
                plain[definition.name] = value
            }
        }
        let document =
            qualified.isEmpty ? plain : try SCIMPatch.apply(operation: .replace, path: nil, value: .object(qualified), to: plain, type: type)
        return try normalize(document, type: type)
    }

    /// The normalised document a PUT (its body, replacing everything) or a PATCH (its operations,
    /// applied to `current`) proposes; a control character anywhere in the body (values, paths,
    /// ops, keys) is a 400 `invalidValue`.
    public static func proposed(by body: JSONValue, patch: Bool, current: [String: JSONValue], type: SCIMResourceType) throws
        -> [String: JSONValue]
    {
        try SCIMControlCharacters.check(body)
        return patch ? try normalize(try SCIMPatch.apply(body, to: current, type: type), type: type) : try document(from: body, type: type)
    }

    static func coerce(_ value: JSONValue, _ definition: SCIMAttributeDefinition, path: String) throws -> JSONValue? {
        if definition.multiValued {
            let elements = value.arrayValue ?? [value]
            let coerced = try elements.compactMap { element -> JSONValue? in
                guard element != .null else { return nil }
                return try single(element, definition, path: path)
            }
            return coerced.isEmpty ? nil : .array(coerced)
        }
        return try single(value, definition, path: path)
    }

    private static func single(_ value: JSONValue, _ definition: SCIMAttributeDefinition, path: String) throws -> JSONValue? {
        switch definition.type {
        case .complex:
            switch value {
            case .object(let fields):
                var stored: [String: JSONValue] = [:]
                for (name, member) in fields where member != .null {
                    // Read-only sub-attributes (manager.displayName) are the server's to fill; ignored.
                    guard let sub = definition.subAttribute(name), sub.mutability != .writeOnly, sub.mutability != .readOnly else { continue }
                    if let coerced = try single(member, sub, path: "\(path).\(sub.name)") { stored[sub.name] = coerced }
                }
                return stored.isEmpty ? nil : .object(stored)
            case .string where definition.subAttribute("value") != nil:
                return .object(["value": value])
            default:
                throw SCIMError.invalidValue("\(path) must be an object.")
            }
        case .boolean:
            switch value {
            case .bool: return value
            case .string(let text) where text.lowercased() == "true": return .bool(true)
            case .string(let text) where text.lowercased() == "false": return .bool(false)
            default: throw SCIMError.invalidValue("\(path) must be true or false.")
            }
        case .integer, .decimal:
            guard case .number = value else { throw SCIMError.invalidValue("\(path) must be a number.") }
            return value
        case .string, .reference, .dateTime, .binary:
            switch value {
            case .string: return value
            case .number(let number):
                return .string(number.rounded() == number && abs(number) < 9e15 ? String(Int64(number)) : String(number))
            default: throw SCIMError.invalidValue("\(path) must be a string.")
            }
        }
    }
}
