import Foundation

/// A person of one tenant as sign-in sees them: just what linking an assertion needs.
public struct SignInAccount: Sendable, Equatable {
    /// Gatehouse's stable id (`X-Forwarded-User`, the JWT's `sub`).
    public var id: String
    public var tenantID: String
    public var email: String
    public var role: String
    /// A deactivated account never signs in.
    public var active: Bool

    public init(id: String, tenantID: String, email: String, role: String, active: Bool) {
        self.id = id
        self.tenantID = tenantID
        self.email = email
        self.role = role
        self.active = active
    }
}
