import Foundation
import GatehouseSCIM

/// One page of a filtered list: how many match in all, and the page itself.
public struct StoredPage<Item: Sendable>: Sendable {
    public var totalResults: Int
    public var items: [Item]

    public init(totalResults: Int, items: [Item]) {
        self.totalResults = totalResults
        self.items = items
    }
}

/// A group a user belongs to, as the user's read-only `groups` shows it.
public struct GroupReference: Sendable, Equatable {
    public var id: String
    public var displayName: String

    public init(id: String, displayName: String) {
        self.id = id
        self.displayName = displayName
    }
}

/// A SCIM group of one tenant.
public struct StoredGroup: Sendable, Equatable {
    public var id: String
    public var tenantID: String
    public var displayName: String
    public var externalID: String?
    /// The SCIM document (JSON) without `id`, `meta` and `members`.
    public var document: String
    /// The ids of the member users (all of the group's tenant), in the order they were added.
    public var memberIDs: [String]
    public var version: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String = UUID().uuidString.lowercased(), tenantID: String, displayName: String, externalID: String? = nil, document: String,
        memberIDs: [String] = [], version: Int = 1, createdAt: Date, updatedAt: Date? = nil
    ) {
        self.id = id
        self.tenantID = tenantID
        self.displayName = displayName
        self.externalID = externalID
        self.document = document
        self.memberIDs = memberIDs
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }
}

/// One change to provisioned data: who (a SCIM token's id, or `cli`), what (resource, operation,
/// the attributes changed, never their secret values), when. The log is append-only.
public struct AuditEntry: Sendable, Equatable {
    /// Assigned by the store, increasing.
    public var sequence: Int64?
    public var at: Date
    public var tenantID: String
    public var actor: String
    public var resourceType: String
    public var resourceID: String
    /// `create`, `adopt`, `replace`, `patch`, `delete`, `set-role`, `deactivate`, `reactivate`.
    public var operation: String
    public var attributes: [String]

    public init(
        sequence: Int64? = nil, at: Date, tenantID: String, actor: String, resourceType: String, resourceID: String, operation: String,
        attributes: [String]
    ) {
        self.sequence = sequence
        self.at = at
        self.tenantID = tenantID
        self.actor = actor
        self.resourceType = resourceType
        self.resourceID = resourceID
        self.operation = operation
        self.attributes = attributes
    }
}

/// SCIM provisioning: users and groups filtered in the backend's own query language (an index
/// serves `userName eq`), read-modify-write changes inside one transaction, and the audit entry
/// written in the same transaction as the change it describes.
public protocol ProvisioningStore: Sendable {
    /// Users of a tenant matching `filter`, in a stable order (creation), from the 1-based
    /// `startIndex`, at most `count`. Throws `SCIMError.invalidFilter` for filters it cannot serve.
    func users(tenantID: String, filter: SCIMFilter?, startIndex: Int, count: Int) async throws -> StoredPage<StoredUser>
    /// Creates a SCIM user. When the tenant already has the userName: with `adoptExisting` and a
    /// user not made by SCIM, that user takes the new document (adopted, same id); otherwise
    /// `StoreError(.conflict)`.
    func provisionUser(_ user: StoredUser, adoptExisting: Bool, audit: AuditEntry) async throws -> (user: StoredUser, adopted: Bool)
    /// Reads the user, lets `change` return the new state and its audit entry, and writes both
    /// atomically (version + 1); nil when the tenant has no such user. Errors thrown by `change`
    /// abort the transaction and are rethrown.
    func updateUser(tenantID: String, id: String, _ change: @Sendable (StoredUser) throws -> (StoredUser, AuditEntry)) async throws -> StoredUser?
    /// Deletes the user with its sessions and memberships; false when there is none.
    func deleteUser(tenantID: String, id: String, audit: AuditEntry) async throws -> Bool

    func groups(tenantID: String, filter: SCIMFilter?, startIndex: Int, count: Int) async throws -> StoredPage<StoredGroup>
    func group(tenantID: String, id: String) async throws -> StoredGroup?
    /// Creates a group; `StoreError(.conflict)` for a taken id, `.invalidReference` when a member
    /// is not a user of the tenant.
    func createGroup(_ group: StoredGroup, audit: AuditEntry) async throws
    /// As `updateUser`, for groups (members replaced as `change` returns them).
    func updateGroup(tenantID: String, id: String, _ change: @Sendable (StoredGroup) throws -> (StoredGroup, AuditEntry)) async throws
        -> StoredGroup?
    func deleteGroup(tenantID: String, id: String, audit: AuditEntry) async throws -> Bool

    /// Appends an entry on its own (changes made by the CLI).
    func appendAudit(_ entry: AuditEntry) async throws
    /// Entries, oldest first, after `sequence` (exclusive), of one tenant or all.
    func auditEntries(tenantID: String?, after sequence: Int64, limit: Int) async throws -> [AuditEntry]
}
