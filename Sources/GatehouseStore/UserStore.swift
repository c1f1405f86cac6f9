import Foundation

/// A person of one tenant, as provisioning (SCIM, the CLI, or sign-in for JIT tenants) made them.
public struct StoredUser: Sendable, Equatable {
    /// Gatehouse's stable id (`X-Forwarded-User`, the JWT's `sub`).
    public var id: String
    public var tenantID: String
    /// The sign-in name (an email for Okta); unique per tenant, compared case-insensitively.
    public var userName: String
    public var email: String
    public var role: String
    public var active: Bool
    public var createdAt: Date
    public var updatedAt: Date
    public var externalID: String?
    public var displayName: String?
    /// The SCIM document (JSON, without `id`, `meta` and `groups`); nil before the store has
    /// written one for a user made by sign-in or the CLI.
    public var document: String?
    /// Counts changes; the SCIM ETag is `W/"version"`.
    public var version: Int
    /// Who made the user: `scim`, `jit` (sign-in), `cli`, or `local` (before provisioning existed).
    /// A SCIM create adopts a user whose source is not `scim` when the tenant allows it.
    public var source: String
    /// The groups the user belongs to, where the read says so (SCIM reads and writes fill it).
    public var groups: [GroupReference] = []

    public init(
        id: String = UUID().uuidString.lowercased(), tenantID: String, userName: String, email: String, role: String, active: Bool = true,
        createdAt: Date, updatedAt: Date? = nil, externalID: String? = nil, displayName: String? = nil, document: String? = nil, version: Int = 1,
        source: String = "local"
    ) {
        self.externalID = externalID
        self.displayName = displayName
        self.document = document
        self.version = version
        self.source = source
        self.id = id
        self.tenantID = tenantID
        self.userName = userName
        self.email = email
        self.role = role
        self.active = active
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }
}

/// Users per tenant. Lookups by name ignore case, as Okta's and the app's spellings may differ.
public protocol UserStore: Sendable {
    /// The user of `tenantID` whose userName or email equals `name`, ignoring case.
    func user(tenantID: String, named name: String) async throws -> StoredUser?
    func user(id: String) async throws -> StoredUser?
    /// Adds a user; throws `StoreError(.conflict)` when the tenant already has that userName.
    func createUser(_ user: StoredUser) async throws
    /// Changes a role; returns false when there is no such user.
    func setRole(userID: String, role: String, at now: Date) async throws -> Bool
    /// Activates or deactivates; returns false when there is no such user.
    func setActive(userID: String, active: Bool, at now: Date) async throws -> Bool
    /// A tenant's users, by userName.
    func users(tenantID: String) async throws -> [StoredUser]
}
