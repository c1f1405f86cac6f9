import Foundation

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
