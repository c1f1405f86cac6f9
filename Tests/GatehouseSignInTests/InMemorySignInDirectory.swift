import Foundation
import GatehouseSignIn
import Synchronization

/// A directory in memory: accounts by id, and a record of every write.
final class InMemorySignInDirectory: SignInDirectory {
    struct RoleChange: Equatable {
        let accountID: String
        let role: String
        let at: Date
    }

    private let state = Mutex<(accounts: [SignInAccount], roleChanges: [RoleChange], created: Int)>(([], [], 0))

    init(_ accounts: [SignInAccount] = []) {
        state.withLock { $0.accounts = accounts }
    }

    var accounts: [SignInAccount] { state.withLock { $0.accounts } }
    var roleChanges: [RoleChange] { state.withLock { $0.roleChanges } }

    func account(tenantID: String, email: String) async throws -> SignInAccount? {
        state.withLock { state in
            state.accounts.first { $0.tenantID == tenantID && $0.email.lowercased() == email.lowercased() }
        }
    }

    func setRole(accountID: String, role: String, at now: Date) async throws {
        state.withLock { state in
            guard let index = state.accounts.firstIndex(where: { $0.id == accountID }) else { return }
            state.accounts[index].role = role
            state.roleChanges.append(RoleChange(accountID: accountID, role: role, at: now))
        }
    }

    func createJustInTimeAccount(tenantID: String, email: String, role: String, at now: Date) async throws -> SignInAccount {
        state.withLock { state in
            state.created += 1
            let account = SignInAccount(id: "jit-\(state.created)", tenantID: tenantID, email: email, role: role, active: true)
            state.accounts.append(account)
            return account
        }
    }
}
