import Foundation

/// The storage sign-in needs: find a tenant's account by email, change its role, create one at a
/// first sign-in. A backend (through a small adapter in the server) implements it.
public protocol SignInDirectory: Sendable {
    /// The account of `tenantID` whose userName or email equals `email`, ignoring case.
    func account(tenantID: String, email: String) async throws -> SignInAccount?
    /// Sets an existing account's role.
    func setRole(accountID: String, role: String, at now: Date) async throws
    /// Creates an account for a first sign-in (source `jit`) and returns it; throws when the
    /// tenant already has that name (a concurrent first sign-in), which refuses this one.
    func createJustInTimeAccount(tenantID: String, email: String, role: String, at now: Date) async throws -> SignInAccount
}
