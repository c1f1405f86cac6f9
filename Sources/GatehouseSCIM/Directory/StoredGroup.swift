import Foundation

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
