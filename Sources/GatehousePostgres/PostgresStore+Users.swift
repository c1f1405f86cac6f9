import Foundation
import GatehouseSCIM
import Logging
import PostgresNIO

extension PostgresStore {
    static let userColumns = """
        users.id, users.tenant_id, users.user_name, users.email, users.role, users.active, users.created_at, users.updated_at,
        users.external_id, users.display_name, users.document, users.version, users.source
        """

    public func user(tenantID: String, named name: String) async throws -> StoredUser? {
        let key = SCIMCaseFolding.fold(name)
        return try await call("user(named:)") { client in
            let rows = try await client.query(
                """
                SELECT \(unescaped: Self.userColumns) FROM users
                WHERE tenant_id = \(tenantID) AND (user_name_key = \(key) OR email_key = \(key))
                ORDER BY user_name_key = \(key) DESC LIMIT 1
                """, logger: self.logger)
            return try await Self.rows(rows, Self.user(from:)).first
        }
    }

    public func user(id: String) async throws -> StoredUser? {
        try await call("user(id:)") { client in
            let rows = try await client.query("SELECT \(unescaped: Self.userColumns) FROM users WHERE id = \(id)", logger: self.logger)
            return try await Self.rows(rows, Self.user(from:)).first
        }
    }

    public func users(tenantID: String) async throws -> [StoredUser] {
        try await call("users(tenantID:)") { client in
            let rows = try await client.query(
                "SELECT \(unescaped: Self.userColumns) FROM users WHERE tenant_id = \(tenantID) ORDER BY user_name_key COLLATE \"C\"",
                logger: self.logger)
            return try await Self.rows(rows, Self.user(from:))
        }
    }

    static func insert(_ user: StoredUser, _ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO users (id, tenant_id, user_name, user_name_key, email, email_key, role, active, created_at, updated_at,
                               external_id, display_name, document, document_json, document_folded, version, source)
            VALUES (\(user.id), \(user.tenantID), \(user.userName), \(SCIMCaseFolding.fold(user.userName)), \(user.email),
                    \(SCIMCaseFolding.fold(user.email)), \(user.role), \(user.active), \(PostgresDates.milliseconds(user.createdAt)), \(PostgresDates.milliseconds(user.updatedAt)),
                    \(user.externalID), \(user.displayName), \(user.document), \(user.document)::jsonb,
                    \(PostgresDocuments.folded(user.document))::jsonb, \(user.version), \(user.source))
            """, logger: logger)
    }

    /// Inserts the user and, in the same statement, its audit entry.
    static func insert(_ user: StoredUser, audit: AuditEntry?, _ connection: PostgresConnection, logger: Logger) async throws {
        guard let audit else { return try await insert(user, connection, logger: logger) }
        try await connection.query(
            """
            WITH inserted AS (
                INSERT INTO users (id, tenant_id, user_name, user_name_key, email, email_key, role, active, created_at, updated_at,
                                   external_id, display_name, document, document_json, document_folded, version, source)
                VALUES (\(user.id), \(user.tenantID), \(user.userName), \(SCIMCaseFolding.fold(user.userName)), \(user.email),
                        \(SCIMCaseFolding.fold(user.email)), \(user.role), \(user.active), \(PostgresDates.milliseconds(user.createdAt)),
                        \(PostgresDates.milliseconds(user.updatedAt)), \(user.externalID), \(user.displayName), \(user.document),
                        \(user.document)::jsonb, \(PostgresDocuments.folded(user.document))::jsonb, \(user.version), \(user.source))
                RETURNING id
            )
            INSERT INTO audit_log (at, tenant_id, actor, resource_type, resource_id, operation, attributes)
            SELECT \(audit.at), \(audit.tenantID), \(audit.actor), \(audit.resourceType), \(audit.resourceID), \(audit.operation),
                   \(jsonArray(audit.attributes))::jsonb
            FROM inserted
            """, logger: logger)
    }

    /// Writes every column of an existing user from `user` (the id and tenant stay).
    static func overwrite(_ user: StoredUser, _ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE users SET user_name = \(user.userName), user_name_key = \(SCIMCaseFolding.fold(user.userName)), email = \(user.email),
                email_key = \(SCIMCaseFolding.fold(user.email)), role = \(user.role), active = \(user.active), updated_at = \(PostgresDates.milliseconds(user.updatedAt)),
                external_id = \(user.externalID), display_name = \(user.displayName), document = \(user.document),
                document_json = \(user.document)::jsonb, document_folded = \(PostgresDocuments.folded(user.document))::jsonb,
                version = \(user.version), source = \(user.source)
            WHERE id = \(user.id) AND tenant_id = \(user.tenantID)
            """, logger: logger)
    }

    /// Tells every replica (NOTIFY, delivered at commit) that a user's sessions or identity changed.
    static func announce(userID: String, _ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_notify(\(PostgresStore.userChannel), \(userID))", logger: logger)
    }

    static func user(from row: PostgresRandomAccessRow) throws -> StoredUser {
        StoredUser(
            id: try row["id"].decode(String.self), tenantID: try row["tenant_id"].decode(String.self),
            userName: try row["user_name"].decode(String.self), email: try row["email"].decode(String.self),
            role: try row["role"].decode(String.self), active: try row["active"].decode(Bool.self),
            createdAt: try row["created_at"].decode(Date.self), updatedAt: try row["updated_at"].decode(Date.self),
            externalID: try row["external_id"].decode(String?.self), displayName: try row["display_name"].decode(String?.self),
            document: try row["document"].decode(String?.self), version: try row["version"].decode(Int.self),
            source: try row["source"].decode(String.self))
    }
}

extension PostgresStore {
    /// Writes new users and their audit entries in one statement, so one commit: a row whose id
    /// or userName is taken is skipped (ON CONFLICT DO NOTHING), and only the inserted users get
    /// their audit entry. The server refusing a value it cannot store (SQLSTATE class 22, 23 or
    /// 54) is `.refused`, so that the rows can be tried one by one; anything else (a lock or
    /// statement timeout, a deadlock, a lost connection, a read-only server) throws to every
    /// caller of the statement: trying each row alone would only repeat it, and the connection
    /// is closed (the pool opens another): postgres-nio remembers a prepared statement whose
    /// Parse failed (a lock timeout during a migration, say) and would answer that error for it
    /// on this connection for ever after.
    func insertNewUsers(_ rows: [PostgresUserInserts.Row]) async throws -> PostgresUserInserts.Outcome {
        let statement = NewUsersStatement(rows: rows)
        let logger = self.logger
        return try await call("insert users") { client in
            try await client.withConnection { connection in
                do {
                    var inserted = Set<String>()
                    for try await id in try await connection.execute(statement, logger: logger) { inserted.insert(id) }
                    return .inserted(inserted)
                } catch let error as PSQLError where PostgresErrors.isRefusedValue(error) {
                    return .refused(PostgresErrors.store(error, "insert users"))
                } catch {
                    try? await connection.close()
                    throw error
                }
            }
        }
    }
}
