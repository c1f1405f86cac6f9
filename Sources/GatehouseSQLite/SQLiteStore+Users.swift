import Foundation
import GRDB
import GatehouseSCIM

extension SQLiteStore {
    /// The SCIM document of a user made before SCIM, built from its columns: only migration 0003
    /// uses it (for rows written before documents existed); `UserDocument.local` makes new ones.
    static let localDocumentSQL = """
        json_object('userName', user_name, 'emails', json_array(json_object('value', email, 'type', 'work', 'primary', json('true'))), \
        'active', json(CASE WHEN active THEN 'true' ELSE 'false' END), 'role', role)
        """

    public func user(tenantID: String, named name: String) async throws -> StoredUser? {
        let key = SCIMCaseFolding.fold(name)
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

    public func users(tenantID: String) async throws -> [StoredUser] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM users WHERE tenant_id = ? ORDER BY user_name_key", arguments: [tenantID]).map(Self.user(from:))
        }
    }

    static func insert(_ user: StoredUser, _ db: Database) throws {
        // Cached statements: SCIM creates and updates run these thousands of times a minute.
        try db.cachedStatement(
            sql: """
                INSERT INTO users (id, tenant_id, user_name, user_name_key, email, email_key, role, active, created_at, updated_at,
                                   external_id, display_name, document, version, source)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            user.id, user.tenantID, user.userName, SCIMCaseFolding.fold(user.userName), user.email, SCIMCaseFolding.fold(user.email), user.role,
            user.active, user.createdAt, user.updatedAt, user.externalID, user.displayName, user.document, user.version, user.source,
        ])
    }

    /// Writes every column of an existing user from `user` (the id and tenant stay).
    static func overwrite(_ user: StoredUser, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                UPDATE users SET user_name = ?, user_name_key = ?, email = ?, email_key = ?, role = ?, active = ?, updated_at = ?,
                    external_id = ?, display_name = ?, document = ?, version = ?, source = ?
                WHERE id = ? AND tenant_id = ?
                """
        ).execute(arguments: [
            user.userName, SCIMCaseFolding.fold(user.userName), user.email, SCIMCaseFolding.fold(user.email), user.role, user.active,
            user.updatedAt, user.externalID, user.displayName, user.document, user.version, user.source, user.id, user.tenantID,
        ])
    }

    static func isUniqueViolation(_ error: DatabaseError) -> Bool {
        error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE || error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY
    }

    static func user(from row: Row) -> StoredUser {
        StoredUser(
            id: row["id"], tenantID: row["tenant_id"], userName: row["user_name"], email: row["email"], role: row["role"], active: row["active"],
            createdAt: row["created_at"], updatedAt: row["updated_at"], externalID: row["external_id"], displayName: row["display_name"],
            document: row["document"], version: row["version"], source: row["source"]
        )
    }
}
