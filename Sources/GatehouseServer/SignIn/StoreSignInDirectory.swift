import Foundation
import GatehouseSCIM
import GatehouseSessions
import GatehouseSignIn

/// Sign-in's directory port over the directory's rules: a JIT user and an asserted role go through
/// `UserAdministration` (document upkeep), as the CLI's and SCIM's changes do.
struct StoreSignInDirectory: SignInDirectory {
    let store: any DirectoryStore & SessionStore

    private var users: UserAdministration {
        UserAdministration(directory: store, sessions: StoreSessionRevocation(store: store, forget: { _ in }))
    }

    func account(tenantID: String, email: String) async throws -> SignInAccount? {
        try await store.user(tenantID: tenantID, named: email).map(Self.account)
    }

    func setRole(accountID: String, role: String, at now: Date) async throws {
        _ = try await users.setRole(userID: accountID, role: role, at: now)
    }

    func createJustInTimeAccount(tenantID: String, email: String, role: String, at now: Date) async throws -> SignInAccount {
        let created = StoredUser(tenantID: tenantID, userName: email, email: email, role: role, createdAt: now, source: "jit")
        return Self.account(try await users.insert(created))
    }

    private static func account(_ user: StoredUser) -> SignInAccount {
        SignInAccount(id: user.id, tenantID: user.tenantID, email: user.email, role: user.role, active: user.active)
    }
}
