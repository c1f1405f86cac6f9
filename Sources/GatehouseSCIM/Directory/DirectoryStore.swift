/// Where a user write starts: the user with this id, or the one holding this userName (compared
/// case-insensitively, the per-tenant unique key), in the write's tenant.
public enum UserKey: Sendable, Equatable {
    case id(String)
    case userName(String)
}

/// What a user write does with the user it found: nothing, insert a new one, or overwrite the
/// found one with every column of the given value (its id and tenant select the row); with the
/// audit entry written in the same transaction.
public enum UserWrite: Sendable {
    case none
    case insert(StoredUser, audit: AuditEntry?)
    case overwrite(StoredUser, audit: AuditEntry?)
}

/// The storage the directory needs: users, groups and memberships of each tenant, and the
/// append-only audit log. A backend implements it with primitives only; every rule (adoption,
/// versions, the stored SCIM document, ending sessions) is `UserAdministration`'s.
public protocol DirectoryStore: Sendable {
    /// The user of `tenantID` whose userName or email equals `name`, ignoring case (userName first).
    func user(tenantID: String, named name: String) async throws -> StoredUser?
    func user(id: String) async throws -> StoredUser?
    /// A tenant's users, by userName (folded).
    func users(tenantID: String) async throws -> [StoredUser]
    /// Users of a tenant matching `filter`, with their `groups`, in a stable order (creation),
    /// from the 1-based `startIndex`, at most `count`, and how many match in all. Filters run in
    /// the backend's own query language with `SCIMFilterEvaluator`'s semantics (an index serves
    /// `userName eq`); throws `SCIMError.invalidFilter` for filters it cannot serve.
    func users(tenantID: String, filter: SCIMFilter?, startIndex: Int, count: Int) async throws -> StoredPage<StoredUser>

    /// In one transaction: finds the tenant's user by `key` (nil when none), lets `decide` say
    /// what to write, writes it with its audit entry, and returns the written user with its
    /// `groups` (nil for `.none`). Errors thrown by `decide` abort the transaction and are
    /// rethrown; a taken userName is `DirectoryError(.conflict)`. `decide` must be a pure
    /// function of its argument: a backend may call it more than once, and for a userName key
    /// first with nil before it knows who is there (PostgreSQL's create without a read).
    func writeUser(tenantID: String, key: UserKey, _ decide: @escaping @Sendable (StoredUser?) throws -> UserWrite) async throws -> StoredUser?
    /// Deletes the user with its sessions and memberships, and writes the audit entry; false
    /// when the tenant has no such user.
    func deleteUser(tenantID: String, id: String, audit: AuditEntry) async throws -> Bool

    func groups(tenantID: String, filter: SCIMFilter?, startIndex: Int, count: Int) async throws -> StoredPage<StoredGroup>
    func group(tenantID: String, id: String) async throws -> StoredGroup?
    /// Creates a group; `DirectoryError(.conflict)` for a taken id, `.invalidReference` when a
    /// member is not a user of the tenant.
    func createGroup(_ group: StoredGroup, audit: AuditEntry) async throws
    /// Reads the group, lets `change` return the new state and its audit entry, and writes both
    /// atomically (version + 1, members replaced as returned); nil when the tenant has no such
    /// group. Errors thrown by `change` abort the transaction and are rethrown.
    func updateGroup(tenantID: String, id: String, _ change: @escaping @Sendable (StoredGroup) throws -> (StoredGroup, AuditEntry)) async throws
        -> StoredGroup?
    func deleteGroup(tenantID: String, id: String, audit: AuditEntry) async throws -> Bool

    /// Appends an entry on its own.
    func appendAudit(_ entry: AuditEntry) async throws
    /// Entries, oldest first, after `sequence` (exclusive), of one tenant or all.
    func auditEntries(tenantID: String?, after sequence: Int64, limit: Int) async throws -> [AuditEntry]
}
