import Foundation

/// A person of one tenant, as provisioning (SCIM, the CLI, or sign-in for JIT tenants) made them.
public struct StoredUser: Sendable, Equatable {
    /// Gatehouse's stable id (`X-Forwarded-User`, the JWT's `sub`).
    public var id: String
    public var tenantID: String
    /// The sign-in name (an email for Okta); unique per tenant, compared case-insensitively
    /// (`SCIMCaseFolding.fold`).
    public var userName: String
    public var email: String
    public var role: String
    public var active: Bool
    public var createdAt: Date
    public var updatedAt: Date
    public var externalID: String?
    public var displayName: String?
    /// The SCIM document (JSON, without `id`, `meta` and `groups`). `UserAdministration` writes
    /// one for every user, from the columns for a user made outside SCIM (`UserDocument.local`).
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
