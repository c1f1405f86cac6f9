import Foundation
import GatehouseBasics
import GatehouseConfig
import GatehouseSCIM

/// User administration for the CLI (`gatehouse users`, `gatehouse audit`): the configured store
/// with the directory's rules (`UserAdministration`), changes audited as actor `cli`. A running
/// Gatehouse sees a change within its session re-check interval.
public final class UserAdministrationTool: Sendable {
    /// A user as `gatehouse users list` prints it.
    public struct User: Sendable, Equatable {
        public let id: String
        public let userName: String
        public let email: String
        public let role: String
        public let active: Bool
    }

    /// One audit log entry as `gatehouse audit` prints it.
    public struct AuditRecord: Sendable, Equatable {
        public let sequence: Int64
        public let at: Date
        public let tenantID: String
        public let actor: String
        public let resourceType: String
        public let resourceID: String
        public let operation: String
        public let attributes: [String]
    }

    /// Why a change was not made; the CLI words it.
    public enum Refusal: Error, Equatable {
        /// The tenant already has a user with that userName.
        case alreadyExists
        /// The tenant has no user with that email or userName.
        case noSuchUser
    }

    private let store: any ServerStore
    private let administration: UserAdministration
    private let now: @Sendable () -> Date
    static let actor = "cli"

    init(store: any ServerStore, now: @escaping @Sendable () -> Date) {
        self.store = store
        // No proxy cache in this process: ending sessions is the store's part only.
        administration = UserAdministration(directory: store, sessions: StoreSessionRevocation(store: store, forget: { _ in }))
        self.now = now
    }

    /// Opens the configured store (applying its migrations).
    /// The roles a user may be given.
    public static var roles: [String] { DashboardRole.all }

    public static func open(_ configuration: GatehouseConfiguration) async throws -> UserAdministrationTool {
        UserAdministrationTool(
            store: try await StoreFactory.open(configuration.store, settings: configuration.storeSettings.forOneCommand), now: { Date() })
    }

    /// The tenant's users, by userName.
    public func list(tenantID: String) async throws -> [User] {
        try await store.users(tenantID: tenantID).map(Self.user)
    }

    /// Adds a user (source `cli`); returns its id.
    public func add(tenantID: String, email: String, role: String) async throws -> String {
        do {
            return try await administration.add(tenantID: tenantID, email: email, role: role, actor: Self.actor, at: now()).id
        } catch let error as DirectoryError where error.code == .conflict {
            throw Refusal.alreadyExists
        }
    }

    /// Changes a role; returns the user and the role before.
    public func setRole(tenantID: String, email: String, role: String) async throws -> (user: User, previousRole: String) {
        guard let changed = try await administration.setRole(tenantID: tenantID, named: email, role: role, actor: Self.actor, at: now()) else {
            throw Refusal.noSuchUser
        }
        return (Self.user(changed.user), changed.previousRole)
    }

    /// Activates or deactivates; a deactivation ends the user's sessions (how many is returned).
    public func setActive(tenantID: String, email: String, active: Bool) async throws -> (user: User, endedSessions: Int) {
        guard let changed = try await administration.setActive(tenantID: tenantID, named: email, active: active, actor: Self.actor, at: now())
        else { throw Refusal.noSuchUser }
        return (Self.user(changed.user), changed.endedSessions)
    }

    /// Audit entries, oldest first, after `sequence`, of one tenant or all.
    public func audit(tenantID: String?, after sequence: Int64, limit: Int) async throws -> [AuditRecord] {
        try await store.auditEntries(tenantID: tenantID, after: sequence, limit: limit).map { entry in
            AuditRecord(
                sequence: entry.sequence ?? 0, at: entry.at, tenantID: entry.tenantID, actor: entry.actor, resourceType: entry.resourceType,
                resourceID: entry.resourceID, operation: entry.operation, attributes: entry.attributes)
        }
    }

    public func close() async throws { try await store.close() }

    private static func user(_ user: StoredUser) -> User {
        User(id: user.id, userName: user.userName, email: user.email, role: user.role, active: user.active)
    }
}
