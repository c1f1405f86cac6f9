/// A SCIM filter (RFC 7644 §3.4.2.2) as a tree: what `SCIMFilterParser` reads and
/// `SCIMFilterPrinter` writes back.
public indirect enum SCIMFilter: Sendable, Equatable {
    case compare(SCIMAttributePath, SCIMComparison, SCIMValue)
    case present(SCIMAttributePath)
    case and(SCIMFilter, SCIMFilter)
    case or(SCIMFilter, SCIMFilter)
    case not(SCIMFilter)
    /// `emails[type eq "work"]`: the attribute has a value that matches the inner filter.
    case valuePath(SCIMAttributePath, SCIMFilter)
    /// `emails[type eq "work"].value eq "x@y"` (Entra's matching filter on the work email): the
    /// test applies to `subAttribute` of the attribute's values that match the inner filter, as a
    /// comparison on a multi-valued attribute does, so `eq` holds when one element satisfies
    /// both the inner filter and the comparison, and `ne` when no such element equals.
    case valuePathAttribute(SCIMAttributePath, SCIMFilter, subAttribute: String, SCIMAttributeTest)
}

/// What a filter asks of the values of an attribute path: `pr`, or a comparison with a value.
public enum SCIMAttributeTest: Sendable, Equatable {
    case present
    case compare(SCIMComparison, SCIMValue)
}

/// `[schema URI ":"] name ["." subAttribute]`, e.g. `name.givenName` or
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber`.
public struct SCIMAttributePath: Sendable, Equatable, Hashable {
    public var schema: String?
    public var name: String
    public var subAttribute: String?

    public init(schema: String? = nil, name: String, subAttribute: String? = nil) {
        self.schema = schema
        self.name = name
        self.subAttribute = subAttribute
    }
}

public enum SCIMComparison: String, Sendable, Equatable, CaseIterable {
    case eq, ne, co, sw, ew, gt, lt, ge, le
}

/// A comparison value. Numbers keep their JSON text, so printing gives back what was parsed.
public enum SCIMValue: Sendable, Equatable {
    case string(String)
    case number(String)
    case bool(Bool)
    case null
}

/// Why a filter does not parse: a SCIM `invalidFilter`, with where and what.
public struct SCIMFilterError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Offset in UTF-8 bytes from the start of the filter.
    public let offset: Int
    public let message: String

    public var description: String { "invalid filter at \(offset): \(message)" }
}
