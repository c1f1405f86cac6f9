import Foundation
import GRDB
import GatehouseStore

extension SQLiteStore {
    public func user(tenantID: String, named name: String) async throws -> StoredUser? {
        let key = name.lowercased()
        return try await pool.read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT * FROM users WHERE tenant_id = ? AND (user_name_key = ? OR email_key = ?) ORDER BY user_name_key = ? DESC LIMIT 1",
                arguments: [tenantID, key, key, key]
            ).map(Self.user(from:))
        }
    }

    public func user(id: String) async throws -> StoredUser? {
        try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM users WHERE id = ?", arguments: [id]).map(Self.user(from:)) }
    }

    public func createUser(_ user: StoredUser) async throws {
        do {
            try await pool.write { db in
                try db.execute(
                    literal: """
                        INSERT INTO users (id, tenant_id, user_name, user_name_key, email, email_key, role, active, created_at, updated_at)
                        VALUES (\(user.id), \(user.tenantID), \(user.userName), \(user.userName.lowercased()), \(user.email),
                                \(user.email.lowercased()), \(user.role), \(user.active), \(user.createdAt), \(user.updatedAt))
                        """
                )
            }
        } catch let error as DatabaseError
            where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE || error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY
        {
            throw StoreError(.conflict, context: "tenant \(user.tenantID) already has that user")
        }
    }

    public func setRole(userID: String, role: String, at now: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(literal: "UPDATE users SET role = \(role), updated_at = \(now) WHERE id = \(userID)")
            return db.changesCount > 0
        }
    }

    public func setActive(userID: String, active: Bool, at now: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(literal: "UPDATE users SET active = \(active), updated_at = \(now) WHERE id = \(userID)")
            return db.changesCount > 0
        }
    }

    public func users(tenantID: String) async throws -> [StoredUser] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM users WHERE tenant_id = ? ORDER BY user_name_key", arguments: [tenantID]).map(Self.user(from:))
        }
    }

    static func user(from row: Row) -> StoredUser {
        StoredUser(
            id: row["id"], tenantID: row["tenant_id"], userName: row["user_name"], email: row["email"], role: row["role"], active: row["active"],
            createdAt: row["created_at"], updatedAt: row["updated_at"]
        )
    }
}
