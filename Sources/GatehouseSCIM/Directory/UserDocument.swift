import Foundation

/// The stored SCIM document of a user, kept in step with the columns Gatehouse reads from it.
public enum UserDocument {
    /// The document of a user made outside SCIM (sign-in, the CLI), from its fields: userName, a
    /// primary work email, active and role.
    public static func local(for user: StoredUser) -> String {
        JSONValue.object([
            "userName": .string(user.userName),
            "emails": .array([.object(["value": .string(user.email), "type": "work", "primary": .bool(true)])]),
            "active": .bool(user.active), "role": .string(user.role),
        ]).jsonText
    }

    /// `document` with the attributes a change made outside SCIM touched (`role`, `active`) set,
    /// so that the next SCIM read shows them; the others stay as they are (an unassigned
    /// `active` stays unassigned when only the role changes). Nil stays nil, text that is not an
    /// object is left alone.
    public static func upkept(_ document: String?, role: String?, active: Bool?) -> String? {
        guard let document, var object = JSONValue.parse(Array(document.utf8))?.objectValue else { return document }
        if let role { object["role"] = .string(role) }
        if let active { object["active"] = .bool(active) }
        return JSONValue.object(object).jsonText
    }
}

extension StoredUser {
    /// The user with a new role and/or activity, its document kept in step, at `now`.
    public func changing(role: String? = nil, active: Bool? = nil, at now: Date) -> StoredUser {
        var changed = self
        changed.role = role ?? self.role
        changed.active = active ?? self.active
        changed.document = UserDocument.upkept(document, role: role, active: active)
        changed.updatedAt = now
        return changed
    }

    /// Takes the fields and document a SCIM request settled on (`SCIMUserRules.prepare`): the user
    /// is SCIM's from now on.
    public mutating func apply(_ fields: SCIMUserFields, document: [String: JSONValue], at now: Date) {
        userName = fields.userName
        email = fields.email
        role = fields.role
        active = fields.active
        externalID = fields.externalID
        displayName = fields.displayName
        self.document = JSONValue.object(document).jsonText
        source = "scim"
        updatedAt = now
    }
}
