import Foundation
import GatehouseSignIn
import GatehouseStore

/// Sign-in's directory port over the store's users: maps the stored user to the account sign-in sees.
struct StoreSignInDirectory: SignInDirectory {
    let store: Store

    func account(tenantID: String, email: String) async throws -> SignInAccount? {
        try await store.user(tenantID: tenantID, named: email).map(Self.account)
    }

    func setRole(accountID: String, role: String, at now: Date) async throws {
        _ = try await store.setRole(userID: accountID, role: role, at: now)
    }

    func createJustInTimeAccount(tenantID: String, email: String, role: String, at now: Date) async throws -> SignInAccount {
        let created = StoredUser(tenantID: tenantID, userName: email, email: email, role: role, createdAt: now, source: "jit")
        try await store.createUser(created)
        return Self.account(created)
    }

    private static func account(_ user: StoredUser) -> SignInAccount {
        SignInAccount(id: user.id, tenantID: user.tenantID, email: user.email, role: user.role, active: user.active)
    }
}
