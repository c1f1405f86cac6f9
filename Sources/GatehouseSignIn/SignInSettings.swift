/// A tenant's rules for linking an assertion to an account.
public struct SignInSettings: Sendable, Equatable {
    /// True when the tenant provisions with SCIM: accounts then come from SCIM only (no JIT),
    /// and roles from the store only (never from the assertion).
    public var provisionsWithSCIM: Bool
    /// True when the tenant names a role attribute (`role_attribute`); on a tenant without SCIM
    /// the assertion's role then sets the account's role.
    public var roleFromAssertion: Bool
    /// The role a first sign-in gets on a tenant without SCIM (`jit_default_role`); nil: no JIT
    /// unless the assertion brings a role.
    public var justInTimeRole: String?
    /// The roles an account may hold (upper case); an asserted role outside them refuses the sign-in.
    public var allowedRoles: Set<String>

    public init(provisionsWithSCIM: Bool, roleFromAssertion: Bool, justInTimeRole: String?, allowedRoles: Set<String>) {
        self.provisionsWithSCIM = provisionsWithSCIM
        self.roleFromAssertion = roleFromAssertion
        self.justInTimeRole = justInTimeRole
        self.allowedRoles = allowedRoles
    }
}
