/// One attribute of a SCIM schema (RFC 7643 §7): what `/Schemas` declares and what the resource
/// engine uses to match names, coerce values and decide what is stored and returned.
public struct SCIMAttributeDefinition: Sendable {
    public enum Kind: String, Sendable { case string, boolean, decimal, integer, dateTime, reference, complex, binary }
    public enum Mutability: String, Sendable { case readWrite, readOnly, writeOnly, immutable }
    public enum Returned: String, Sendable { case always, never, `default`, request }

    public var name: String
    public var type: Kind
    public var multiValued: Bool
    public var required: Bool
    public var caseExact: Bool
    public var mutability: Mutability
    public var returned: Returned
    public var uniqueness: String
    public var canonicalValues: [String]
    public var description: String
    public var subAttributes: [SCIMAttributeDefinition]
    /// For references: the resource types (`User`, `Group`) or `external`.
    public var referenceTypes: [String]

    public init(
        _ name: String, type: Kind = .string, multiValued: Bool = false, required: Bool = false, caseExact: Bool = false,
        mutability: Mutability = .readWrite, returned: Returned = .default, uniqueness: String = "none", canonicalValues: [String] = [],
        description: String = "", subAttributes: [SCIMAttributeDefinition] = [], referenceTypes: [String] = ["external"]
    ) {
        self.referenceTypes = referenceTypes
        self.name = name
        self.type = subAttributes.isEmpty ? type : .complex
        self.multiValued = multiValued
        self.required = required
        self.caseExact = caseExact
        self.mutability = mutability
        self.returned = returned
        self.uniqueness = uniqueness
        self.canonicalValues = canonicalValues
        self.description = description
        self.subAttributes = subAttributes
    }

    /// The sub-attribute `name`, ignoring case.
    public func subAttribute(_ name: String) -> SCIMAttributeDefinition? {
        let lowered = name.lowercased()
        return subAttributes.first { $0.name.lowercased() == lowered }
    }

    /// The `/Schemas` representation.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "name": .string(name), "type": .string(type.rawValue), "multiValued": .bool(multiValued), "required": .bool(required),
            "mutability": .string(mutability.rawValue), "returned": .string(returned.rawValue), "description": .string(description),
        ]
        if type != .complex && type != .boolean {
            object["caseExact"] = .bool(caseExact)
            object["uniqueness"] = .string(uniqueness)
        }
        if type == .reference { object["referenceTypes"] = .array(referenceTypes.map(JSONValue.string)) }
        if !canonicalValues.isEmpty { object["canonicalValues"] = .array(canonicalValues.map(JSONValue.string)) }
        if !subAttributes.isEmpty { object["subAttributes"] = .array(subAttributes.map(\.json)) }
        return .object(object)
    }
}

/// A schema (core or extension): its URN and attributes.
public struct SCIMSchemaDefinition: Sendable {
    public let id: String
    public let name: String
    public let description: String
    public let attributes: [SCIMAttributeDefinition]
    /// Attributes by lower-cased name: every request looks names up many times.
    private let byName: [String: SCIMAttributeDefinition]

    public init(id: String, name: String, description: String, attributes: [SCIMAttributeDefinition]) {
        self.id = id
        self.name = name
        self.description = description
        self.attributes = attributes
        byName = Dictionary(attributes.map { ($0.name.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The attribute `name`, ignoring case.
    public func attribute(_ name: String) -> SCIMAttributeDefinition? {
        byName[name] ?? byName[name.lowercased()]
    }
}
