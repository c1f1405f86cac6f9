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
    /// The tenant's `email_domains` (lower case): an account is created just in time only for an
    /// email in one of them, so a tenant's IdP cannot mint an identity under another company's
    /// domain (`ceo@othercorp.com` with tenant `acme`) for an upstream that reads the email alone.
    public var justInTimeEmailDomains: Set<String>

    public init(
        provisionsWithSCIM: Bool, roleFromAssertion: Bool, justInTimeRole: String?, allowedRoles: Set<String>, justInTimeEmailDomains: Set<String>
    ) {
        self.provisionsWithSCIM = provisionsWithSCIM
        self.roleFromAssertion = roleFromAssertion
        self.justInTimeRole = justInTimeRole
        self.allowedRoles = allowedRoles
        self.justInTimeEmailDomains = Set(justInTimeEmailDomains.map { $0.lowercased() })
    }

    /// True when `email` is one plain address whose domain is one of the tenant's, ignoring ASCII
    /// case. One `@` only, no quotes, spaces or control characters, an ASCII domain: an upstream
    /// that splits `ceo@othercorp.com@acme.com` at its first `@`, or folds the Kelvin sign in
    /// `x@\u{212A}ontoso.com` to `k`, must not read another domain than the one checked here.
    public func isTenantEmail(_ email: String) -> Bool {
        let bytes = Array(email.utf8)
        guard bytes.filter({ $0 == UInt8(ascii: "@") }).count == 1,
            !bytes.contains(where: { $0 <= 0x20 || $0 >= 0x7f || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }),
            let at = bytes.firstIndex(of: UInt8(ascii: "@")), at > 0
        else { return false }
        let domain = String(decoding: bytes[(at + 1)...], as: UTF8.self).lowercased()
        return !domain.isEmpty && justInTimeEmailDomains.contains(domain)
    }
}
