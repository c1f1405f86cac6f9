/// What the ACS does with a validated assertion; each refusal is its own case.
public enum SignInOutcome: Sendable, Equatable {
    /// An active account of the tenant has that email. `previousRole` is set when the
    /// assertion's role replaced the stored one.
    case linked(SignInAccount, previousRole: String?)
    /// A tenant without SCIM created the account at this first sign-in.
    case createdJustInTime(SignInAccount)
    /// The tenant has no account for that email and creates none.
    case notProvisioned
    /// The account exists and is deactivated (a role from the assertion may still have been applied).
    case deactivated(SignInAccount)
    /// The tenant takes the role from the assertion and it is missing or not an allowed role.
    case roleRefused(asserted: String?)
    /// The account would be created just in time, but the email's domain is not the tenant's.
    case emailOutsideTenantDomains

    /// The account to start a session for; nil for every refusal.
    public var signedIn: SignInAccount? {
        switch self {
        case .linked(let account, _), .createdJustInTime(let account): return account
        case .notProvisioned, .deactivated, .roleRefused, .emailOutsideTenantDomains: return nil
        }
    }
}
