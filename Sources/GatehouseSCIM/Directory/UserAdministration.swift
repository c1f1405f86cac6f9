import Foundation

/// Every change to a user, from SCIM and from the CLI alike, with the directory's rules: a SCIM
/// create adopts a user made outside SCIM where the tenant allows it; versions count changes; the
/// stored SCIM document follows role and activity changed outside SCIM; every change is audited
/// in the same transaction; deactivation and deletion end the user's sessions before returning,
/// and any other change makes cached views of the user be read again.
public struct UserAdministration: Sendable {
    public let directory: any DirectoryStore
    public let sessions: any SessionRevocation

    public init(directory: any DirectoryStore, sessions: any SessionRevocation) {
        self.directory = directory
        self.sessions = sessions
    }

    // MARK: - SCIM

    /// Creates a SCIM user. When the tenant already has the userName: with `adoptExisting` and a
    /// user not made by SCIM, that user takes the new document (adopted: same id and creation,
    /// the audit says `adopt`); otherwise `DirectoryError(.conflict)`.
    public func provision(_ user: StoredUser, adoptExisting: Bool, audit: AuditEntry) async throws -> (user: StoredUser, adopted: Bool) {
        let written = try await directory.writeUser(tenantID: user.tenantID, key: .userName(user.userName)) { existing in
            guard let existing else { return .insert(user, audit: audit) }
            guard adoptExisting, existing.source != "scim" else {
                throw DirectoryError(.conflict, context: "tenant \(user.tenantID) already has userName \(user.userName)")
            }
            var adopted = user
            adopted.id = existing.id
            adopted.createdAt = existing.createdAt
            adopted.version = existing.version + 1
            var entry = audit
            entry.resourceID = existing.id
            entry.operation = "adopt"
            return .overwrite(adopted, audit: entry)
        }
        guard let written else { throw DirectoryError(.conflict, context: "the store wrote nothing for userName \(user.userName)") }
        let adopted = written.id != user.id
        // A new user has no session and nothing cached; an adopted one may have both.
        if adopted { try await settle(written) }
        return (written, adopted)
    }

    /// Reads the user, lets `change` return the new state and its audit entry, and writes both
    /// atomically (same id, tenant and creation; version + 1); nil when the tenant has no such
    /// user. Errors thrown by `change` abort the change and are rethrown.
    public func update(tenantID: String, id: String, _ change: @escaping @Sendable (StoredUser) throws -> (StoredUser, AuditEntry)) async throws
        -> StoredUser?
    {
        let written = try await directory.writeUser(tenantID: tenantID, key: .id(id)) { current in
            guard let current else { return .none }
            var (updated, audit) = try change(current)
            updated.id = current.id
            updated.tenantID = current.tenantID
            updated.createdAt = current.createdAt
            updated.version = current.version + 1
            return .overwrite(updated, audit: audit)
        }
        if let written { try await settle(written) }
        return written
    }

    /// Deletes the user (memberships go with it) and ends their sessions; false when the tenant
    /// has no such user.
    public func delete(tenantID: String, id: String, audit: AuditEntry) async throws -> Bool {
        guard try await directory.deleteUser(tenantID: tenantID, id: id, audit: audit) else { return false }
        _ = try await sessions.endSessions(userID: id)
        return true
    }

    // MARK: - By hand (the CLI)

    /// Adds a user made by hand (source `cli`) with a document from its fields;
    /// `DirectoryError(.conflict)` when the tenant already has that userName.
    public func add(tenantID: String, email: String, role: String, actor: String, at now: Date) async throws -> StoredUser {
        var user = StoredUser(tenantID: tenantID, userName: email, email: email, role: role, createdAt: now, source: "cli")
        user.document = UserDocument.local(for: user)
        let audit = Self.audit(user, actor: actor, operation: "create", attributes: ["userName", "role"], at: now)
        return try await insert(user, audit: audit)
    }

    /// Changes the role of the tenant's user named `name` (userName or email); nil when none. The
    /// result carries the role before the change as `previousRole`.
    public func setRole(tenantID: String, named name: String, role: String, actor: String, at now: Date) async throws -> (
        user: StoredUser, previousRole: String
    )? {
        guard let found = try await directory.user(tenantID: tenantID, named: name) else { return nil }
        let written = try await change(found, actor: actor, operation: "set-role", attributes: ["role"], at: now) { $0.changing(role: role, at: now) }
        return written.map { ($0, found.role) }
    }

    /// Activates or deactivates the tenant's user named `name`; a deactivation ends their
    /// sessions (how many is returned). Nil when the tenant has no such user.
    public func setActive(tenantID: String, named name: String, active: Bool, actor: String, at now: Date) async throws -> (
        user: StoredUser, endedSessions: Int
    )? {
        guard let found = try await directory.user(tenantID: tenantID, named: name) else { return nil }
        guard
            let written = try await change(
                found, actor: actor, operation: active ? "reactivate" : "deactivate", attributes: ["active"], at: now, settling: false,
                { $0.changing(active: active, at: now) })
        else { return nil }
        if active {
            sessions.userChanged(userID: written.id)
            return (written, 0)
        }
        return (written, try await sessions.endSessions(userID: written.id))
    }

    // MARK: - Without an audit entry (sign-in)

    /// Adds a user as it is (a first sign-in in a JIT tenant), with a document from its fields
    /// when it has none; `DirectoryError(.conflict)` when the tenant already has that userName.
    public func insert(_ user: StoredUser, audit: AuditEntry? = nil) async throws -> StoredUser {
        var user = user
        if user.document == nil { user.document = UserDocument.local(for: user) }
        let made = user
        let written = try await directory.writeUser(tenantID: user.tenantID, key: .userName(user.userName)) { existing in
            guard existing == nil else { throw DirectoryError(.conflict, context: "tenant \(made.tenantID) already has that user") }
            return .insert(made, audit: audit)
        }
        return written ?? made
    }

    /// Sets the role of the user with `userID` (the role an assertion carried, for a tenant
    /// without SCIM), document kept in step; false when there is no such user.
    public func setRole(userID: String, role: String, at now: Date) async throws -> Bool {
        guard let found = try await directory.user(id: userID) else { return false }
        let written = try await directory.writeUser(tenantID: found.tenantID, key: .id(found.id)) { current in
            guard let current else { return .none }
            var changed = current.changing(role: role, at: now)
            changed.version = current.version + 1
            return .overwrite(changed, audit: nil)
        }
        guard let written else { return false }
        try await settle(written)
        return true
    }

    // MARK: - Rules shared by the changes above

    /// After a change: an inactive user has no session left anywhere; any other change is read
    /// again by the proxy on the user's next request (new role, email).
    private func settle(_ user: StoredUser) async throws {
        if !user.active { _ = try await sessions.endSessions(userID: user.id) } else { sessions.userChanged(userID: user.id) }
    }

    /// A change by hand to a user read before: re-read in the transaction, changed, version + 1,
    /// audited.
    private func change(
        _ found: StoredUser, actor: String, operation: String, attributes: [String], at now: Date, settling: Bool = true,
        _ transform: @escaping @Sendable (StoredUser) -> StoredUser
    ) async throws -> StoredUser? {
        let written = try await directory.writeUser(tenantID: found.tenantID, key: .id(found.id)) { current in
            guard let current else { return .none }
            var changed = transform(current)
            changed.version = current.version + 1
            return .overwrite(changed, audit: Self.audit(current, actor: actor, operation: operation, attributes: attributes, at: now))
        }
        if settling, let written { try await settle(written) }
        return written
    }

    static func audit(_ user: StoredUser, actor: String, operation: String, attributes: [String], at now: Date) -> AuditEntry {
        AuditEntry(
            at: now, tenantID: user.tenantID, actor: actor, resourceType: "User", resourceID: user.id, operation: operation, attributes: attributes)
    }
}
