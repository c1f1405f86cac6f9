import Foundation
import GatehouseSCIM
import GatehouseSessions

/// Test shortcuts over the server's store: users seeded and changed directly, without the audit
/// or the session ending that `UserAdministration` adds (the race tests need exactly that).
extension DirectoryStore {
    /// Adds a user as it is, with a document from its fields.
    func createUser(_ user: StoredUser) async throws {
        _ = try await UserAdministration(directory: self, sessions: NoSessionRevocation()).insert(user)
    }

    /// Activates or deactivates in the store only (no session ends, no cache is told).
    func setActive(userID: String, active: Bool, at now: Date) async throws -> Bool {
        guard let found = try await user(id: userID) else { return false }
        let written = try await writeUser(tenantID: found.tenantID, key: .id(userID)) { current in
            guard let current else { return .none }
            var changed = current.changing(active: active, at: now)
            changed.version = current.version + 1
            return .overwrite(changed, audit: nil)
        }
        return written != nil
    }
}

/// Revokes nothing: for test seeding only.
struct NoSessionRevocation: SessionRevocation {
    func endSessions(userID: String) async throws -> Int { 0 }
    func userChanged(userID: String) {}
}
