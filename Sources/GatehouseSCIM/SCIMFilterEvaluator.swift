/// Evaluates a filter against a JSON object in memory: PATCH value filters
/// (`members[value eq "…"]`) and the reference the store's SQL translation is tested against.
///
/// Semantics shared with the SQL translation: a comparison holds when any of the attribute's
/// values satisfies it (multi-valued attributes compare their `value` sub-attribute); `ne` is
/// "no value equals"; strings compare ignoring case unless the schema says `caseExact`;
/// `co`/`sw`/`ew` apply to strings only; ordering compares strings with strings and numbers with
/// numbers; `eq null` means "not present".
public struct SCIMFilterEvaluator: Sendable {
    /// The attributes at the level the filter's paths start from.
    public let attributes: [SCIMAttributeDefinition]
    /// For whole resources: the type, so URN-qualified paths reach extensions.
    public let resourceType: SCIMResourceType?

    /// Paths relative to one element of a multi-valued attribute (`type eq "work"`).
    public init(elementOf definition: SCIMAttributeDefinition?) {
        attributes = definition?.subAttributes ?? []
        resourceType = nil
    }

    /// Paths relative to a whole resource of `type`.
    public init(resourceType: SCIMResourceType) {
        attributes = resourceType.core.attributes + SCIMSchemas.common
        self.resourceType = resourceType
    }

    public func matches(_ filter: SCIMFilter, _ object: [String: JSONValue]) throws -> Bool {
        switch filter {
        case .and(let left, let right): return try matches(left, object) && matches(right, object)
        case .or(let left, let right): return try matches(left, object) || matches(right, object)
        case .not(let inner): return try !matches(inner, object)
        case .present(let path):
            return try values(of: path, in: object).values.contains { $0.isPresent }
        case .valuePath(let path, let inner):
            let (container, definition) = try resolve(path, in: object)
            guard let elements = container.value(forAttribute: definition?.name ?? path.name)?.arrayValue else { return false }
            let evaluator = SCIMFilterEvaluator(elementOf: definition)
            return try elements.contains { element in
                guard let fields = element.objectValue else { return false }
                return try evaluator.matches(inner, fields)
            }
        case .valuePathAttribute(let path, let inner, let subAttribute, let test):
            let (container, definition) = try resolve(path, in: object)
            let elements = container.value(forAttribute: definition?.name ?? path.name)?.arrayValue ?? []
            let evaluator = SCIMFilterEvaluator(elementOf: definition)
            // The sub-attribute's values of the matching elements only: the same element must
            // satisfy the inner filter and the test.
            let values = try elements.compactMap(\.objectValue).filter { try evaluator.matches(inner, $0) }
                .compactMap { $0.value(forAttribute: subAttribute) }.flatMap { $0.arrayValue ?? [$0] }
            switch test {
            case .present: return values.contains { $0.isPresent }
            case .compare(let comparison, let value):
                return try Self.holds(comparison, value, values, caseExact: definition?.subAttribute(subAttribute)?.caseExact ?? false)
            }
        case .compare(let path, let comparison, let value):
            let (found, caseExact) = try values(of: path, in: object)
            return try Self.holds(comparison, value, found, caseExact: caseExact)
        }
    }

    /// Checks every comparison's operand up front (`gt true` is an `invalidFilter` even where
    /// evaluation would never reach it).
    public static func validate(_ filter: SCIMFilter) throws {
        switch filter {
        case .and(let left, let right), .or(let left, let right):
            try validate(left)
            try validate(right)
        case .not(let inner), .valuePath(_, let inner), .valuePathAttribute(_, let inner, _, .present): try validate(inner)
        case .valuePathAttribute(_, let inner, _, .compare(let comparison, let operand)):
            try validate(inner)
            _ = try holds(comparison, operand, [], caseExact: false)
        case .present: break
        case .compare(_, let comparison, let operand): _ = try holds(comparison, operand, [], caseExact: false)
        }
    }

    /// Whether `comparison` with `operand` holds for the attribute's `values`.
    public static func holds(_ comparison: SCIMComparison, _ operand: SCIMValue, _ values: [JSONValue], caseExact: Bool) throws -> Bool {
        switch (comparison, operand) {
        case (.eq, .null): return !values.contains { $0.isPresent }
        case (.ne, .null): return values.contains { $0.isPresent }
        case (.ne, _): return try !holds(.eq, operand, values, caseExact: caseExact)
        case (.gt, .null), (.ge, .null), (.lt, .null), (.le, .null), (.gt, .bool), (.ge, .bool), (.lt, .bool), (.le, .bool):
            throw SCIMError.invalidFilter("\(comparison.rawValue) needs a string, number or date")
        case (.co, .null), (.sw, .null), (.ew, .null), (.co, .bool), (.sw, .bool), (.ew, .bool), (.co, .number), (.sw, .number), (.ew, .number):
            throw SCIMError.invalidFilter("\(comparison.rawValue) needs a string")
        default: break
        }
        return values.contains { value in compare(value, comparison, operand, caseExact: caseExact) }
    }

    private static func compare(_ value: JSONValue, _ comparison: SCIMComparison, _ operand: SCIMValue, caseExact: Bool) -> Bool {
        switch (value, operand) {
        case (.string(let text), .string(let wanted)):
            let left = caseExact ? text : SCIMCaseFolding.fold(text)
            let right = caseExact ? wanted : SCIMCaseFolding.fold(wanted)
            switch comparison {
            case .eq: return left == right
            case .co: return right.isEmpty || left.contains(right)
            case .sw: return left.hasPrefix(right)
            case .ew: return left.hasSuffix(right)
            case .gt: return Array(right.utf8).lexicographicallyPrecedes(Array(left.utf8))
            case .ge: return !Array(left.utf8).lexicographicallyPrecedes(Array(right.utf8))
            case .lt: return Array(left.utf8).lexicographicallyPrecedes(Array(right.utf8))
            case .le: return !Array(right.utf8).lexicographicallyPrecedes(Array(left.utf8))
            case .ne: return left != right
            }
        case (.number(let number), .number(let text)):
            guard let wanted = Double(text) else { return false }
            switch comparison {
            case .eq: return number == wanted
            case .gt: return number > wanted
            case .ge: return number >= wanted
            case .lt: return number < wanted
            case .le: return number <= wanted
            default: return false
            }
        case (.bool(let bool), .bool(let wanted)): return comparison == .eq && bool == wanted
        default: return false
        }
    }

    /// The values a path reaches and whether they compare case-exactly.
    private func values(of path: SCIMAttributePath, in object: [String: JSONValue]) throws -> (values: [JSONValue], caseExact: Bool) {
        if let resourceType, path.isSchemas {
            return (resourceType.schemaURNs(of: object).map(JSONValue.string), false)
        }
        let (container, definition) = try resolve(path, in: object)
        guard let value = container.value(forAttribute: definition?.name ?? path.name), value != .null else { return ([], false) }
        let elements = value.arrayValue ?? [value]
        // A multi-valued complex attribute compares its `value`; a singular one only with a sub-attribute.
        let subName = path.subAttribute ?? ((definition?.type == .complex && definition?.multiValued == true) ? "value" : nil)
        guard let subName else { return (elements, definition?.caseExact ?? false) }
        let caseExact = definition?.subAttribute(subName)?.caseExact ?? false
        return (elements.compactMap { $0.objectValue?.value(forAttribute: subName) }.flatMap { $0.arrayValue ?? [$0] }, caseExact)
    }

    /// The object holding the path's attribute (the resource, or an extension's object) and the
    /// attribute's definition. Unknown core attributes are an `invalidFilter`.
    private func resolve(_ path: SCIMAttributePath, in object: [String: JSONValue]) throws -> ([String: JSONValue], SCIMAttributeDefinition?) {
        if let resourceType {
            guard let location = resourceType.locate(schema: path.schema, name: path.name) else {
                throw SCIMError.invalidFilter("\(path.name) is not an attribute of \(resourceType.name)")
            }
            if let container = location.container {
                return (object.value(forAttribute: container)?.objectValue ?? [:], location.definition)
            }
            return (object, location.definition)
        }
        let lowered = path.name.lowercased()
        return (object, attributes.first { $0.name.lowercased() == lowered })
    }
}

/// Case-insensitive comparison of SCIM strings: one folding, used in memory and by the store.
public enum SCIMCaseFolding {
    public static func fold(_ text: String) -> String { text.lowercased() }
}

extension SCIMAttributePath {
    /// `schemas` (RFC 7644's `schemas eq "urn:…"` example): the resource's schema URNs.
    public var isSchemas: Bool { schema == nil && subAttribute == nil && name.lowercased() == "schemas" }
}
