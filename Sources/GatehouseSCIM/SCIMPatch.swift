/// RFC 7644 §3.5.2 PATCH on a stored document, in the shapes Okta and Entra ID send:
/// `op` in any case, a path or a value object without one (keys plain, dotted such as
/// `name.givenName`, or URN-qualified), value filters in paths (`emails[type eq "work"].value`),
/// add/replace on a filtered path that matches nothing creates the element (Entra), removal of
/// group members listed in `value`. The result still goes through `SCIMDocument.normalize`.
public enum SCIMPatch {
    public enum Operation: String, Sendable { case add, replace, remove }

    /// Applies a PatchOp request body.
    public static func apply(_ body: JSONValue, to document: [String: JSONValue], type: SCIMResourceType) throws -> [String: JSONValue] {
        guard let request = body.objectValue else { throw SCIMError.invalidSyntax("The body must be a PatchOp object.") }
        if let schemas = request.value(forAttribute: "schemas")?.arrayValue,
            !schemas.contains(where: { $0.stringValue?.lowercased() == SCIMDiscovery.patchSchema.lowercased() })
        {
            throw SCIMError.invalidSyntax("schemas must contain \(SCIMDiscovery.patchSchema).")
        }
        guard let operations = request.value(forAttribute: "Operations")?.arrayValue, !operations.isEmpty else {
            throw SCIMError.invalidSyntax("Operations must be a non-empty array.")
        }
        var result = document
        for entry in operations {
            guard let fields = entry.objectValue, let name = fields.value(forAttribute: "op")?.stringValue,
                let operation = Operation(rawValue: name.lowercased())
            else { throw SCIMError.invalidSyntax("Each operation needs an op of add, replace or remove.") }
            var path: String?
            if let pathValue = fields.value(forAttribute: "path"), pathValue != .null {
                guard let text = pathValue.stringValue else { throw SCIMError.invalidPath("path must be a string.") }
                path = text.isEmpty ? nil : text
            }
            result = try apply(operation: operation, path: path, value: fields.value(forAttribute: "value"), to: result, type: type)
        }
        return result
    }

    /// One operation.
    public static func apply(operation: Operation, path: String?, value: JSONValue?, to document: [String: JSONValue], type: SCIMResourceType)
        throws -> [String: JSONValue]
    {
        var editor = Editor(document: document, type: type)
        if let path, let ext = type.extension(path) {
            // The extension's whole object: remove drops it, add/replace apply its attributes.
            guard operation != .remove else {
                editor.document[editor.document.key(matching: ext.id) ?? ext.id] = nil
                return editor.document
            }
            if operation == .replace { editor.document[editor.document.key(matching: ext.id) ?? ext.id] = nil }
            try editor.applyKey(operation, key: ext.id, value: value ?? .null)
            return editor.document
        }
        guard let path else {
            guard operation != .remove else { throw SCIMError.noTarget("remove needs a path.") }
            guard let fields = value?.objectValue else { throw SCIMError.invalidValue("Without a path the value must be an object.") }
            for (key, member) in fields { try editor.applyKey(operation, key: key, value: member) }
            return editor.document
        }
        try editor.apply(operation, target: try Target(path, type: type), value: value, explicit: true)
        return editor.document
    }

    /// A parsed path: attribute (maybe in an extension), optional value filter and sub-attribute.
    struct Target {
        var location: SCIMResourceType.Location
        var filter: SCIMFilter?
        var subAttribute: String?

        init(_ path: String, type: SCIMResourceType) throws {
            var attributeText = path
            var subText: String?
            if let open = path.firstIndex(of: "["), let close = path.lastIndex(of: "]"), open < close {
                attributeText = String(path[..<open])
                let filterText = String(path[path.index(after: open)..<close])
                let parsed: SCIMFilter
                do { parsed = try SCIMFilterParser.parse(filterText) } catch {
                    throw SCIMError.invalidPath("\(path): \(error.description)")
                }
                try SCIMFilterEvaluator.validate(parsed)
                filter = parsed
                let after = path[path.index(after: close)...]
                if !after.isEmpty {
                    guard after.hasPrefix("."), after.count > 1 else { throw SCIMError.invalidPath("\(path) is not a valid path.") }
                    subText = String(after.dropFirst())
                }
            } else if path.contains("[") || path.contains("]") {
                throw SCIMError.invalidPath("\(path) is not a valid path.")
            }
            let (schema, name, sub) = type.splitKey(attributeText)
            guard let name, !name.isEmpty else {
                throw SCIMError.invalidPath("\(path) names a schema, not an attribute.")
            }
            guard sub == nil || subText == nil else { throw SCIMError.invalidPath("\(path) is not a valid path.") }
            guard let location = type.locate(schema: schema, name: name) else {
                throw SCIMError.invalidPath("\(path) is not an attribute of \(type.name).")
            }
            self.location = location
            subAttribute = sub ?? subText
            if let subAttribute, let definition = location.definition {
                guard definition.type == .complex, let known = definition.subAttribute(subAttribute) else {
                    throw SCIMError.invalidPath("\(path) is not an attribute of \(type.name).")
                }
                self.subAttribute = known.name
            }
            if filter != nil, let definition = location.definition, !definition.multiValued {
                throw SCIMError.invalidPath("\(path): only multi-valued attributes take a filter.")
            }
            if let parsed = filter, let definition = location.definition {
                filter = Self.readingBooleanStrings(parsed, of: definition)
            }
        }

        /// Entra writes a boolean in a path filter as a string (`roles[primary eq "True"].value`):
        /// against a boolean sub-attribute, `"True"`/`"False"` (any case) compare as `true`/`false`,
        /// as they do as PATCH values. Without this the filter matches nothing, the operation adds a
        /// second element and the primary one (the role Gatehouse reads) never changes.
        static func readingBooleanStrings(_ filter: SCIMFilter, of definition: SCIMAttributeDefinition) -> SCIMFilter {
            switch filter {
            case .compare(let path, let comparison, .string(let text)) where path.schema == nil && path.subAttribute == nil:
                guard definition.subAttribute(path.name)?.type == .boolean else { return filter }
                switch text.lowercased() {
                case "true": return .compare(path, comparison, .bool(true))
                case "false": return .compare(path, comparison, .bool(false))
                default: return filter
                }
            case .and(let left, let right):
                return .and(readingBooleanStrings(left, of: definition), readingBooleanStrings(right, of: definition))
            case .or(let left, let right):
                return .or(readingBooleanStrings(left, of: definition), readingBooleanStrings(right, of: definition))
            case .not(let inner):
                return .not(readingBooleanStrings(inner, of: definition))
            default:
                return filter
            }
        }
    }

    struct Editor {
        var document: [String: JSONValue]
        let type: SCIMResourceType

        /// A key of a path-less value: an extension's whole object, or a (dotted/URN) path.
        mutating func applyKey(_ operation: Operation, key: String, value: JSONValue) throws {
            if let ext = type.extension(key) {
                guard let fields = value.objectValue else { throw SCIMError.invalidValue("\(ext.id) must be an object.") }
                for (name, member) in fields { try applyKey(operation, key: "\(ext.id):\(name)", value: member) }
                return
            }
            if key.lowercased() == "schemas" { return }
            let target: Target
            do { target = try Target(key, type: type) } catch {
                // Undeclared core attributes in a value object are ignored, as on create.
                return
            }
            if let definition = target.location.definition, definition.mutability == .readOnly { return }
            try apply(operation, target: target, value: value, explicit: false)
        }

        mutating func apply(_ operation: Operation, target: Target, value: JSONValue?, explicit: Bool) throws {
            let definition = target.location.definition
            if explicit, let definition, definition.mutability == .readOnly {
                throw SCIMError.mutability("\(definition.name) is read-only.")
            }
            if operation != .remove, value == nil { throw SCIMError.invalidValue("\(operation.rawValue) needs a value.") }
            var container = containerFields(target.location.container)
            let key = container.key(matching: target.location.name) ?? target.location.name
            let current = container[key]
            let updated: JSONValue?
            if let filter = target.filter {
                updated = try filtered(operation, current: current, filter: filter, sub: target.subAttribute, value: value, definition: definition)
            } else if let sub = target.subAttribute {
                updated = subAttribute(operation, current: current, sub: sub, value: value, multiValued: definition?.multiValued ?? false)
            } else {
                updated = whole(operation, current: current, value: value, definition: definition)
            }
            if key != target.location.name { container[key] = nil }
            container[target.location.name] = updated
            store(container, in: target.location.container)
        }

        private func containerFields(_ container: String?) -> [String: JSONValue] {
            guard let container else { return document }
            return document.value(forAttribute: container)?.objectValue ?? [:]
        }

        private mutating func store(_ fields: [String: JSONValue], in container: String?) {
            guard let container else {
                document = fields
                return
            }
            if let existing = document.key(matching: container), existing != container { document[existing] = nil }
            document[container] = fields.isEmpty ? nil : .object(fields)
        }

        private func whole(_ operation: Operation, current: JSONValue?, value: JSONValue?, definition: SCIMAttributeDefinition?) -> JSONValue? {
            let multiValued = definition?.multiValued ?? false
            switch operation {
            case .remove:
                // Entra removes group members by listing them in `value`.
                if multiValued, let listed = value?.arrayValue, let elements = current?.arrayValue {
                    let doomed = Set(listed.compactMap { Self.identity(of: $0) })
                    let kept = elements.filter { element in Self.identity(of: element).map { !doomed.contains($0) } ?? true }
                    return kept.isEmpty ? nil : .array(kept)
                }
                return nil
            case .add where multiValued:
                var elements = current?.arrayValue ?? []
                for element in value?.arrayValue ?? [value ?? .null] where element != .null {
                    let identity = Self.identity(of: element)
                    if elements.contains(where: { $0 == element || (identity != nil && Self.identity(of: $0) == identity) }) { continue }
                    if SCIMUserRules.isPrimary(element) { elements = elements.map(Self.notPrimary) }
                    elements.append(element)
                }
                return elements.isEmpty ? nil : .array(elements)
            case .replace where multiValued:
                guard let value, value != .null else { return nil }
                return value.arrayValue.map { .array($0) } ?? .array([value])
            case .add, .replace:
                guard let value, value != .null else { return nil }
                if definition?.type == .complex || definition == nil, let existing = current?.objectValue, let fields = value.objectValue {
                    return .object(existing.merging(fields) { _, new in new })
                }
                return value
            }
        }

        private func subAttribute(_ operation: Operation, current: JSONValue?, sub: String, value: JSONValue?, multiValued: Bool) -> JSONValue? {
            func edit(_ element: JSONValue?) -> JSONValue? {
                var fields = element?.objectValue ?? [:]
                let key = fields.key(matching: sub) ?? sub
                fields[key] = nil
                if operation != .remove, let value, value != .null { fields[sub] = value }
                return fields.isEmpty ? nil : .object(fields)
            }
            guard multiValued else { return edit(current) }
            var elements = current?.arrayValue ?? []
            if elements.isEmpty, operation != .remove { elements = [.object([:])] }
            let edited = elements.compactMap(edit)
            return edited.isEmpty ? nil : .array(edited)
        }

        private func filtered(
            _ operation: Operation, current: JSONValue?, filter: SCIMFilter, sub: String?, value: JSONValue?, definition: SCIMAttributeDefinition?
        ) throws -> JSONValue? {
            let evaluator = SCIMFilterEvaluator(elementOf: definition)
            var elements = current?.arrayValue ?? []
            var matched = false
            var result: [JSONValue] = []
            var written: [Int] = []
            for element in elements {
                guard let fields = element.objectValue, try evaluator.matches(filter, fields) else {
                    result.append(element)
                    continue
                }
                matched = true
                switch operation {
                case .remove:
                    if let sub {
                        var kept = fields
                        kept[fields.key(matching: sub) ?? sub] = nil
                        if !kept.isEmpty { result.append(.object(kept)) }
                    }
                case .add, .replace:
                    written.append(result.count)
                    result.append(Self.assign(value, sub: sub, into: fields))
                }
            }
            if !matched, operation != .remove {
                // Entra: add/replace on `emails[type eq "work"].value` with no such email adds one.
                written.append(result.count)
                result.append(Self.assign(value, sub: sub, into: Self.seed(from: filter)))
            }
            // At most one element is primary (RFC 7643 §2.4): one written as primary demotes the rest.
            if written.contains(where: { SCIMUserRules.isPrimary(result[$0]) }) {
                for index in result.indices where !written.contains(index) { result[index] = Self.notPrimary(result[index]) }
            }
            elements = result
            return elements.isEmpty ? nil : .array(elements)
        }

        private static func assign(_ value: JSONValue?, sub: String?, into fields: [String: JSONValue]) -> JSONValue {
            var fields = fields
            if let sub {
                fields[fields.key(matching: sub) ?? sub] = nil
                fields[sub] = value
            } else if let replacement = value?.objectValue {
                fields.merge(replacement) { _, new in new }
            }
            return .object(fields)
        }

        /// The element a filter such as `type eq "work" and primary eq true` describes.
        private static func seed(from filter: SCIMFilter) -> [String: JSONValue] {
            switch filter {
            case .compare(let path, .eq, let value) where path.subAttribute == nil:
                switch value {
                case .string(let text): return [path.name: .string(text)]
                case .bool(let bool): return [path.name: .bool(bool)]
                case .number(let text): return [path.name: .number(Double(text) ?? 0)]
                case .null: return [:]
                }
            case .and(let left, let right): return seed(from: left).merging(seed(from: right)) { first, _ in first }
            default: return [:]
            }
        }

        /// What identifies an element of a multi-valued attribute: its `value`, or a bare string.
        private static func identity(of element: JSONValue) -> String? {
            element.stringValue ?? element.objectValue?.value(forAttribute: "value")?.stringValue
        }

        private static func notPrimary(_ element: JSONValue) -> JSONValue {
            guard var fields = element.objectValue, let key = fields.key(matching: "primary") else { return element }
            fields[key] = .bool(false)
            return .object(fields)
        }
    }
}
