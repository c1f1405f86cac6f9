import GatehouseBasics

/// What Gatehouse itself reads from a User document, and the rules it enforces on it.
public struct SCIMUserFields: Sendable, Equatable {
    public var userName: String
    /// The primary email, else the first, else the userName (what sign-in matches).
    public var email: String
    public var role: String
    public var active: Bool
    public var externalID: String?
    public var displayName: String?
}

public enum SCIMUserRules {
    /// Reconciles `role` with `roles` (Entra sends the role as `roles: [{value, primary}]`; a
    /// change of `roles` sets `role`, a change of `role` rewrites `roles`), then checks the result:
    /// `userName` present, `role` one of the canonical values (400 `invalidValue` otherwise).
    public static func prepare(_ document: [String: JSONValue], previous: [String: JSONValue]?) throws -> ([String: JSONValue], SCIMUserFields) {
        var document = document
        let roles = document["roles"]
        let rolesChanged = roles != nil && roles != previous?["roles"]
        if rolesChanged || document["role"] == nil, let fromRoles = primaryValue(of: roles) {
            document["role"] = .string(fromRoles)
        } else if let role = document["role"], role != previous?["role"], roles != nil {
            document["roles"] = .array([.object(["value": role, "primary": true])])
        }
        guard let userName = document["userName"]?.stringValue, !userName.trimmingWhitespaces().isEmpty else {
            throw SCIMError.invalidValue("userName is required.")
        }
        guard let role = document["role"]?.stringValue else {
            throw SCIMError.invalidValue("role is required: one of \(SCIMSchemas.roles.joined(separator: ", ")).")
        }
        guard SCIMSchemas.roles.contains(role) else {
            throw SCIMError.invalidValue("role \"\(role)\" is not one of \(SCIMSchemas.roles.joined(separator: ", ")).")
        }
        // A `roles` value this request brings, primary or not, is a dashboard role: one that is none
        // would be answered back to the IdP as if it were assigned. Values already stored are not
        // judged again, so a user stored before this rule can still be deactivated.
        let storedRoleValues = (previous?["roles"]?.arrayValue ?? []).compactMap(Self.roleValue)
        for element in document["roles"]?.arrayValue ?? [] {
            guard let value = Self.roleValue(of: element), !storedRoleValues.contains(value) else { continue }
            guard case .string(let text) = value, SCIMSchemas.roles.contains(text) else {
                throw SCIMError.invalidValue("roles[].value must be one of \(SCIMSchemas.roles.joined(separator: ", ")).")
            }
        }
        // An unassigned `active` (never sent, or removed by PATCH, RFC 7644 §3.5.2.2) counts as
        // true, as at creation; it stays unassigned in the document. Filters on `active` read the
        // effective value (the column).
        let email = primaryValue(of: document["emails"]) ?? userName
        let fields = SCIMUserFields(
            userName: userName, email: email, role: role, active: document["active"]?.boolValue ?? true,
            externalID: document["externalId"]?.stringValue, displayName: document["displayName"]?.stringValue)
        return (document, fields)
    }

    /// The `value` of the element marked primary, else of the first element.
    static func primaryValue(of attribute: JSONValue?) -> String? {
        guard let elements = attribute?.arrayValue?.compactMap(\.objectValue), !elements.isEmpty else { return nil }
        let chosen = elements.first { isPrimary(.object($0)) } ?? elements[0]
        return chosen["value"]?.stringValue
    }

    /// `primary` is true, also as Entra's string `"True"` (any case).
    static func isPrimary(_ element: JSONValue) -> Bool {
        switch element.objectValue?.value(forAttribute: "primary") {
        case .bool(true): return true
        case .string(let text): return text.lowercased() == "true"
        default: return false
        }
    }

    /// A `roles` element's value (a bare string counts as its value); nil when it has none.
    private static func roleValue(of element: JSONValue) -> JSONValue? {
        if case .string = element { return element }
        guard let value = element.objectValue?.value(forAttribute: "value"), value != .null else { return nil }
        return value
    }
}
